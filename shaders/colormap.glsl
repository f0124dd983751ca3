// Colour ramps shared by the layers. Must agree with app/colors.cpp and core/colormap.hpp.

vec3 hsv_to_rgb(float h, float s, float v) {
  h = fract(h);
  vec3 k = mod(vec3(5.0, 3.0, 1.0) + h * 6.0, 6.0);
  return v - v * s * clamp(min(k, 4.0 - k), 0.0, 1.0);
}

// A colour wheel over the plane: hue from the angle, saturation rising with the radius.
vec3 start_color(vec2 p) {
  float h = atan(p.y, p.x) / 6.28318530718 + 0.5;
  float u = clamp(length(p) / 2.2, 0.0, 1.0);
  float s = 0.25 + 0.7 * u * u * (3.0 - 2.0 * u);
  return hsv_to_rgb(h, s, 1.0);
}

// Sequential ramp for densities, s in [0, 1].
vec3 sequential_ramp(float s) {
  vec3 stops[6] = vec3[6](vec3(0.02, 0.02, 0.10), vec3(0.18, 0.09, 0.38), vec3(0.12, 0.35, 0.55),
                          vec3(0.10, 0.60, 0.55), vec3(0.55, 0.82, 0.30), vec3(0.99, 0.92, 0.25));
  float x = clamp(s, 0.0, 1.0) * 5.0;
  int i = min(int(x), 4);
  return mix(stops[i], stops[i + 1], x - float(i));
}

// Diverging ramp, s in [-1, 1]: blue (negative), white (0), red (positive).
vec3 diverging_ramp(float s) {
  s = clamp(s, -1.0, 1.0);
  float a = abs(s);
  return vec3(s > 0.0 ? 1.0 : 1.0 - 0.8 * a, 1.0 - 0.75 * a, s < 0.0 ? 1.0 : 1.0 - 0.8 * a);
}
