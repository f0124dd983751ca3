// stb_image's decoders compiled into the image harness, from the same header Debian's libstb is
// built from: this copy carries the sanitizers and libFuzzer's coverage (the shared library does
// not), and the harness's definitions take the place of the library's at link time.
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>
