#version 330 core
// Particles and target samples as round points: coloured by start, by a value, or flat.
#include "colormap.glsl"

layout(location = 0) in vec2 a_position;  // world
layout(location = 1) in vec2 a_start;     // where the particle started (colour by start)
layout(location = 2) in float a_value;    // e.g. log p_t (colour by value)

uniform vec4 u_view;        // clip = world * u_view.xy + u_view.zw
uniform float u_pointSize;  // pixels
uniform int u_colorMode;    // 0: by start, 1: by value, 2: flat u_color
uniform vec2 u_range;       // value range mapped onto the ramp
uniform vec4 u_color;       // flat colour; its alpha applies in every mode

out vec4 v_color;

void main() {
  gl_Position = vec4(a_position * u_view.xy + u_view.zw, 0.0, 1.0);
  gl_PointSize = u_pointSize;
  vec3 c = u_color.rgb;
  if (u_colorMode == 0) {
    c = start_color(a_start);
  } else if (u_colorMode == 1) {
    c = sequential_ramp((a_value - u_range.x) / max(u_range.y - u_range.x, 1e-6));
  }
  v_color = vec4(c, u_color.a);
}
