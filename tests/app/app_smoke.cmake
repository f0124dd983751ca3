# App smoke test: runs the desktop app under Xvfb for a few hundred frames with training on,
# writes a screenshot once every default layer has data, and checks the picture.
# cmake -DFLOWLAB=… -DCHECK=… -DXVFB_RUN=… -DOUT=….png -P app_smoke.cmake
execute_process(
  COMMAND ${XVFB_RUN} -a -s "-screen 0 1280x800x24" ${FLOWLAB} --frames 120 --screenshot ${OUT}
          --target 8gaussians --wait 90
  RESULT_VARIABLE app_result
  TIMEOUT 170)
if(NOT app_result EQUAL 0)
  message(FATAL_ERROR "flowlab --frames under Xvfb exited with '${app_result}'")
endif()
execute_process(COMMAND ${CHECK} ${OUT} 1280 800 RESULT_VARIABLE check_result)
if(NOT check_result EQUAL 0)
  message(FATAL_ERROR "the screenshot ${OUT} does not show the app's layers")
endif()
