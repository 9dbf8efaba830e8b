/*
 * crc32c.h - CRC-32C (Castagnoli), the checksum of every frame and header
 * in the log.  Written by hand because no maintained Debian library offers
 * it at a reasonable cost (zlib's crc32 is the IEEE polynomial; ISA-L is a
 * large dependency for one function).
 */
#ifndef SEAUDIT_CRC32C_H
#define SEAUDIT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Extends `crc` (start with 0) over n bytes; crc32c("123456789") = e3069283. */
uint32_t sa_crc32c(uint32_t crc, const void *data, size_t n);

#endif
