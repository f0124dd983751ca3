// The compiler's x86 intrinsics headers, force-included first in every flowlab translation unit
// (CMakeLists.txt), so that Eigen's own include of them is a no-op.
//
// Why: GCC 12's AVX-512 headers build an "undefined" vector as `__m512 __Y = __Y;`. Where
// Eigen's packet code inlines such an intrinsic, -Wmaybe-uninitialized (or -Wuninitialized)
// reports it at the header's line, although the header is a system header (GCC bug 105593,
// fixed in GCC 13). The suppression covers exactly the lines of these headers: an uninitialized
// value in flowlab's own code is still an error under -Werror.
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif
