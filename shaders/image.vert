#version 330 core
// A textured quad over the image's world box (no vertex buffer: corners from gl_VertexID).

uniform vec4 u_view;
uniform vec4 u_box;  // x0, y0, x1, y1 in world units
out vec2 v_uv;

void main() {
  vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
  vec2 world = mix(u_box.xy, u_box.zw, corner);
  gl_Position = vec4(world * u_view.xy + u_view.zw, 0.0, 1.0);
  v_uv = corner;
}
