#ifndef CISAL_SHIM_H
#define CISAL_SHIM_H
// Intel ISA-L: CRC-32C (crc32_iscsi) with the processor's CRC and carry-less multiply
// instructions where it has them.
#include <isa-l/crc.h>
#endif
