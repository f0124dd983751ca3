#version 330 core
// Only the past part of each path is drawn, fading with age.

in vec4 v_color;
in float v_age;
uniform float u_trail;  // flow time after which a path has faded out
out vec4 o_color;

void main() {
  if (v_age < 0.0 || v_age > u_trail) discard;
  float fade = 1.0 - v_age / u_trail;
  o_color = vec4(v_color.rgb, v_color.a * fade);
}
