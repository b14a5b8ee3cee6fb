#include "filesystem_type.h"

#if defined(__linux__)
#include <sys/vfs.h>

long long softadastra_filesystem_type(int descriptor) {
  struct statfs info;
  if (fstatfs(descriptor, &info) != 0) return -1;
  return (long long)info.f_type;
}
#else
long long softadastra_filesystem_type(int descriptor) {
  (void)descriptor;
  return -1;
}
#endif
