#version 330 core
// A colour-mapped grid: the colours (premultiplied alpha) were computed when the grid arrived,
// so a fragment costs one texture fetch (this matters on software GL).

in vec2 v_uv;
uniform sampler2D u_image;
uniform float u_opacity;
out vec4 o_color;

void main() { o_color = texture(u_image, v_uv) * u_opacity; }
