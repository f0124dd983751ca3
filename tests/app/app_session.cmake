# A session's round trip through the app: paint a target and train rf with a reflow round, save
# (A); open A and save again (B); open B. The canvases of the two opened sessions, after the same
# frame count with training paused (an opened session starts paused), are the same bytes.
# cmake -DFLOWLAB=… -DXVFB_RUN=… -DDIR=… [-DSLOWDOWN=k] -P app_session.cmake (k: a sanitizer
# build's slowdown; the time limits scale by it)
if(NOT SLOWDOWN)
  set(SLOWDOWN 1)
endif()
math(EXPR limit "120 * ${SLOWDOWN}")
set(screen -a -s "-screen 0 1024x700x24")
set(common --width 1024 --height 700 --max-fps 0)
set(a ${DIR}/app_session_a.flowlab)
set(b ${DIR}/app_session_b.flowlab)
file(REMOVE ${a} ${b} ${DIR}/app_session_b1.png ${DIR}/app_session_b2.png)
execute_process(
  COMMAND ${XVFB_RUN} ${screen} ${FLOWLAB} ${common} --target moons --paint 1.5 1.5 0.7
          --paint-frame 5 --method rf --reflow 1 --steps 300 --frames 240 --save ${a}
  RESULT_VARIABLE result TIMEOUT ${limit})
if(NOT result EQUAL 0 OR NOT EXISTS ${a})
  message(FATAL_ERROR "training and saving a session failed ('${result}')")
endif()
foreach(step IN ITEMS 1 2)
  if(step EQUAL 1)
    set(open ${a})
    set(also_save --save ${b})
  else()
    set(open ${b})
    set(also_save)
  endif()
  execute_process(
    COMMAND ${XVFB_RUN} ${screen} ${FLOWLAB} ${common} --open ${open} --frames 60 --wait 60
            --screenshot ${DIR}/app_session_b${step}.png --canvas-only ${also_save}
    RESULT_VARIABLE result TIMEOUT ${limit})
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "opening ${open} failed ('${result}')")
  endif()
endforeach()
file(SHA256 ${DIR}/app_session_b1.png first)
file(SHA256 ${DIR}/app_session_b2.png second)
if(NOT first STREQUAL second)
  message(FATAL_ERROR "the reopened session's canvas differs from the first opening's")
endif()
