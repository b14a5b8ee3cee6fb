#ifndef SOFTADASTRA_CRC32C_H
#define SOFTADASTRA_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Extends a CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) over `length` bytes.
///
/// `crc` is a finished CRC of the bytes before (0 for none), and so is the result:
/// `softadastra_crc32c_extend(softadastra_crc32c_extend(0, a), b)` equals the CRC of `a` followed
/// by `b`. Uses the SSE4.2 or ARMv8 CRC instructions when the CPU has them, else a table.
uint32_t softadastra_crc32c_extend(uint32_t crc, const void *bytes, size_t length);

/// The same as `softadastra_crc32c_extend`, always with the portable table code (for tests).
uint32_t softadastra_crc32c_extend_portable(uint32_t crc, const void *bytes, size_t length);

/// 1 when `softadastra_crc32c_extend` uses CPU instructions, 0 when it uses the table.
int softadastra_crc32c_is_hardware(void);

#endif
