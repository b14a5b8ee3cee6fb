#include "crc32c.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define SOFTADASTRA_CRC_X86 1
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#include <arm_acle.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
#define SOFTADASTRA_CRC_ARM 1
#endif

/* Slicing-by-8 tables for the portable path, built once. */
static uint32_t table[8][256];
static int table_ready;

static void build_table(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[0][n] = c;
  }
  for (uint32_t n = 0; n < 256; n++) {
    for (int t = 1; t < 8; t++) table[t][n] = (table[t - 1][n] >> 8) ^ table[0][table[t - 1][n] & 0xFF];
  }
  __atomic_store_n(&table_ready, 1, __ATOMIC_RELEASE);
}

uint32_t softadastra_crc32c_extend_portable(uint32_t crc, const void *bytes, size_t length) {
  if (!__atomic_load_n(&table_ready, __ATOMIC_ACQUIRE)) build_table();
  const unsigned char *p = bytes;
  uint32_t c = ~crc;
  while (length >= 8) {
    uint32_t lo, hi;
    memcpy(&lo, p, 4);
    memcpy(&hi, p + 4, 4);
    lo ^= c; /* little-endian hosts only; every supported host is */
    c = table[7][lo & 0xFF] ^ table[6][(lo >> 8) & 0xFF] ^ table[5][(lo >> 16) & 0xFF] ^
        table[4][lo >> 24] ^ table[3][hi & 0xFF] ^ table[2][(hi >> 8) & 0xFF] ^
        table[1][(hi >> 16) & 0xFF] ^ table[0][hi >> 24];
    p += 8;
    length -= 8;
  }
  while (length--) c = (c >> 8) ^ table[0][(c ^ *p++) & 0xFF];
  return ~c;
}

#if SOFTADASTRA_CRC_X86
__attribute__((target("sse4.2")))
static uint32_t extend_hardware(uint32_t crc, const void *bytes, size_t length) {
  const unsigned char *p = bytes;
  uint64_t c = (uint32_t)~crc;
  while (length > 0 && ((uintptr_t)p & 7) != 0) {
    c = _mm_crc32_u8((uint32_t)c, *p++);
    length--;
  }
  while (length >= 8) {
    uint64_t word;
    memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    length -= 8;
  }
  while (length--) c = _mm_crc32_u8((uint32_t)c, *p++);
  return ~(uint32_t)c;
}

static int detect_hardware(void) { return __builtin_cpu_supports("sse4.2"); }
#elif SOFTADASTRA_CRC_ARM
__attribute__((target("+crc")))
static uint32_t extend_hardware(uint32_t crc, const void *bytes, size_t length) {
  const unsigned char *p = bytes;
  uint32_t c = ~crc;
  while (length >= 8) {
    uint64_t word;
    memcpy(&word, p, 8);
    c = __crc32cd(c, word);
    p += 8;
    length -= 8;
  }
  while (length--) c = __crc32cb(c, *p++);
  return ~c;
}

static int detect_hardware(void) { return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0; }
#else
static uint32_t extend_hardware(uint32_t crc, const void *bytes, size_t length) {
  return softadastra_crc32c_extend_portable(crc, bytes, length);
}

static int detect_hardware(void) { return 0; }
#endif

/* 0 unknown, 1 hardware, 2 portable. Racing first callers compute the same answer. */
static int mode;

int softadastra_crc32c_is_hardware(void) {
  int m = __atomic_load_n(&mode, __ATOMIC_RELAXED);
  if (m == 0) {
    m = detect_hardware() ? 1 : 2;
    __atomic_store_n(&mode, m, __ATOMIC_RELAXED);
  }
  return m == 1;
}

uint32_t softadastra_crc32c_extend(uint32_t crc, const void *bytes, size_t length) {
  if (softadastra_crc32c_is_hardware()) return extend_hardware(crc, bytes, length);
  return softadastra_crc32c_extend_portable(crc, bytes, length);
}
