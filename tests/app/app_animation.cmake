# The animation plays: two headless runs of the app with training paused (the same weights),
# N = 30 and N = 90 frames at 60 fps, canvas screenshots and performance reports; the checker
# compares t with speed × elapsed time, the layers' t with the picture's, and the two pictures.
# cmake -DFLOWLAB=… -DCHECK=… -DXVFB_RUN=… -DDIR=… -P app_animation.cmake
foreach(frames 30 90)
  execute_process(
    COMMAND ${XVFB_RUN} -a -s "-screen 0 1024x700x24" ${FLOWLAB} --width 1024 --height 700
            --target moons --paused --frames ${frames} --max-fps 60 --canvas-only
            --screenshot ${DIR}/animation_${frames}.png --perf-report ${DIR}/animation_${frames}.json
            --baseline-seconds 0 --wait 60
    RESULT_VARIABLE result
    TIMEOUT 120)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "flowlab --frames ${frames} under Xvfb exited with '${result}'")
  endif()
endforeach()
execute_process(COMMAND ${CHECK} ${DIR}/animation_30.png ${DIR}/animation_30.json
                        ${DIR}/animation_90.png ${DIR}/animation_90.json
                RESULT_VARIABLE check_result)
if(NOT check_result EQUAL 0)
  message(FATAL_ERROR "the animation did not advance as it should")
endif()
