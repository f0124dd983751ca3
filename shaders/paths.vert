#version 330 core
// Pathlines: segments of particle paths, each vertex stamped with its flow time.
#include "colormap.glsl"

layout(location = 0) in vec2 a_position;  // world
layout(location = 1) in float a_time;     // flow time of this vertex
layout(location = 2) in vec2 a_start;     // the path's starting point (its colour)

uniform vec4 u_view;
uniform float u_t;      // the current time
uniform float u_dir;    // +1 when time runs 0 → 1 (generate), −1 when it runs 1 → 0
uniform float u_alpha;

out vec4 v_color;
out float v_age;  // how long ago (in flow time) the particle was here

void main() {
  gl_Position = vec4(a_position * u_view.xy + u_view.zw, 0.0, 1.0);
  v_age = (u_t - a_time) * u_dir;
  v_color = vec4(start_color(a_start), u_alpha);
}
