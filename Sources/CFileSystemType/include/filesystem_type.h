#ifndef SOFTADASTRA_FILESYSTEM_TYPE_H
#define SOFTADASTRA_FILESYSTEM_TYPE_H

/// The type of the file system the file open at `descriptor` is on, as `fstatfs(2)` gives it in
/// `f_type` (0xEF53 for ext2/3/4, 0x6969 for NFS, ...); -1 when it cannot be told (or on a system
/// without `f_type`). Swift's Glibc module does not export `fstatfs`.
long long softadastra_filesystem_type(int descriptor);

#endif
