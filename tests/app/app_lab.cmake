# The solver lab headless: the app starts in the lab (Euler, one step) under Xvfb, steps it every
# 20 frames once the solve is computed, and reports the steps that reached the screen; the run
# must end with every layer of the lab's request computed (the screenshot waits for them).
# cmake -DFLOWLAB=… -DXVFB_RUN=… -DDIR=… [-DSLOWDOWN=k] -P app_lab.cmake (k: a sanitizer build's
# slowdown; frames and time scale by it)
if(NOT SLOWDOWN)
  set(SLOWDOWN 1)
endif()
math(EXPR frames "400 * ${SLOWDOWN}")
math(EXPR limit "170 * ${SLOWDOWN}")
execute_process(
  COMMAND ${XVFB_RUN} -a -s "-screen 0 1024x700x24" ${FLOWLAB} --width 1024 --height 700
          --frames ${frames} --lab euler,1 --particles 5000 --target moons --wait 90
          --perf-report ${DIR}/app_lab.json --screenshot ${DIR}/app_lab.png --canvas-only
  RESULT_VARIABLE app_result
  TIMEOUT ${limit})
if(NOT app_result EQUAL 0)
  message(FATAL_ERROR "flowlab --lab euler,1 under Xvfb exited with '${app_result}'")
endif()
file(READ ${DIR}/app_lab.json report)
string(JSON steps GET "${report}" solver_lab steps)
message(STATUS "solver lab steps on screen: ${steps}")
if(steps LESS 2)
  message(FATAL_ERROR "the solver lab took ${steps} steps to the screen (expected at least 2)")
endif()
if(NOT EXISTS ${DIR}/app_lab.png)
  message(FATAL_ERROR "no screenshot of the solver lab")
endif()
