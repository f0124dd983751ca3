#version 330 core
// Colour-maps a normalised grid. Sequential maps: values in [0, 1], −1 where there is no data;
// low values fade out so the layers beneath show through. Diverging: values in [−1, 1],
// transparent near 0.
#include "colormap.glsl"

in vec2 v_uv;
uniform sampler2D u_values;
uniform int u_map;         // 0: sequential, 1: diverging, 2: grey (target)
uniform float u_opacity;
out vec4 o_color;

void main() {
  float s = texture(u_values, v_uv).r;
  if (u_map == 1) {
    o_color = vec4(diverging_ramp(s), u_opacity * smoothstep(0.02, 0.35, abs(s)));
    return;
  }
  float present = clamp(1.0 + s, 0.0, 1.0);  // −1 marks cells without data
  s = max(s, 0.0);
  float alpha = u_opacity * present * smoothstep(0.0, 0.12, s);
  vec3 c = u_map == 0 ? sequential_ramp(s) : vec3(0.35 + 0.6 * s);
  o_color = vec4(c, alpha);
}
