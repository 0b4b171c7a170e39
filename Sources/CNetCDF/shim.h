#ifndef CNetCDF_SHIM_H
#define CNetCDF_SHIM_H
#include <netcdf.h>
#endif
