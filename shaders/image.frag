#version 330 core
// The CPU-painted canvas: one nearest texture fetch per fragment, written without blending
// (the cheapest fragment software GL can shade).

in vec2 v_uv;
uniform sampler2D u_image;
out vec4 o_color;

void main() { o_color = vec4(texture(u_image, v_uv).rgb, 1.0); }
