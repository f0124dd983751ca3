#version 330 core
// One colour for every fragment.

uniform vec4 u_color;
out vec4 o_color;

void main() { o_color = u_color; }
