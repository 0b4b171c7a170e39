#ifndef CHDF5_SHIM_H
#define CHDF5_SHIM_H
#include <hdf5.h>

/* H5P_FILE_ACCESS is a macro over a mutable global, which Swift 6 refuses to read. */
static inline hid_t chdf5_file_access_class(void) { return H5P_FILE_ACCESS; }
#endif
