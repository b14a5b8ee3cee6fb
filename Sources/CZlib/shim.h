// The system zlib (Debian: zlib1g-dev), for snapshot blocks and backup parts.
#include <zlib.h>
