#version 330 core
// Velocity arrows, one instance per grid sample: length and colour by speed, widths in pixels.
#include "colormap.glsl"

// Arrow corner: (fraction of the length, head lengths back from the tip, shaft half-widths
// across, head half-widths across).
layout(location = 0) in vec4 a_corner;
layout(location = 1) in vec2 a_position;  // world, per instance
layout(location = 2) in vec2 a_velocity;  // per instance

uniform vec4 u_view;
uniform vec2 u_pixelToClip;  // 2 / viewport size
uniform float u_maxSpeed;    // speed drawn with the longest arrow
uniform float u_maxLength;   // pixels
uniform float u_shaft;       // shaft half-width, pixels
uniform float u_head;        // head half-width, pixels
uniform float u_headLength;  // pixels
uniform float u_alpha;

out vec4 v_color;

void main() {
  float speed = length(a_velocity);
  vec2 dir = speed > 1e-12 ? a_velocity / speed : vec2(1.0, 0.0);
  vec2 across = vec2(-dir.y, dir.x);
  float s = clamp(speed / max(u_maxSpeed, 1e-12), 0.0, 1.0);
  float len = s * u_maxLength;
  float head = min(u_headLength, 0.5 * len);
  float along = a_corner.x * len - a_corner.y * head;
  float side = a_corner.z * u_shaft + a_corner.w * u_head * (head / max(u_headLength, 1e-6));
  vec2 offset = (dir * along + across * side) * u_pixelToClip;
  // Centre the arrow on its sample.
  offset -= dir * (0.5 * len) * u_pixelToClip;
  gl_Position = vec4(a_position * u_view.xy + u_view.zw + offset, 0.0, 1.0);
  v_color = vec4(mix(vec3(0.55, 0.6, 0.7), sequential_ramp(0.35 + 0.65 * s), 0.85), u_alpha);
}
