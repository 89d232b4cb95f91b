// glibc's allocator tuning (mallopt), which the Glibc Swift module does not export. Empty
// elsewhere: MemoryPolicy only calls it on Linux.
#if defined(__linux__)
#include <malloc.h>
#endif
