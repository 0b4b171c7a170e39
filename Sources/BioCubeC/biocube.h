/*
 * biocube.h — the C ABI of libBioCubeC: BioCube's windows read straight from a store into
 * buffers the caller owns (the engine of the Python package `biocube`, python/).
 *
 * Every function returning int32_t returns BIOCUBE_OK (0) or a BIOCUBE_E_* code; when its
 * `error` argument is not NULL, *error then receives a NUL-terminated message naming the
 * store, file or array concerned (release it with biocube_free). Bad input never crashes.
 *
 * Threads: a dataset is immutable once open; biocube_read may run on several threads at
 * once. Fork: the library keeps no thread alive between calls, so a process may fork
 * between two calls; a child should open its own dataset (file positions are not shared,
 * but a handle is only a description of the store, so reusing one is also safe).
 */
#ifndef BIOCUBE_H
#define BIOCUBE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BIOCUBE_OK 0
#define BIOCUBE_E_INVALID_ARGUMENT 1 /* bad option, item or chip out of range, wrong buffer size */
#define BIOCUBE_E_NOT_FOUND 2        /* no store, unknown variable, species or level */
#define BIOCUBE_E_INVALID_METADATA 3 /* unreadable store metadata or statistics */
#define BIOCUBE_E_CORRUPT_DATA 4     /* a damaged chunk */
#define BIOCUBE_E_UNSUPPORTED 5
#define BIOCUBE_E_IO 6
#define BIOCUBE_E_OTHER 99

typedef struct biocube_dataset biocube_dataset;

/* The library's version ("0.1.0"); a static string. */
const char *biocube_version(void);

/* Releases a message, description or pickle the library returned (NULL is ignored). */
void biocube_free(void *pointer);

/* Opens the windows of a store. `options_json` is a JSON object:
 *   {"store": "cube.zarr",             required
 *    "contract": "monthly"|"daily",    bfm-model monthly (pt) or the 6-hourly contract (pt-daily)
 *    "variables": "+GROUP:NAME,-…", "species": "KEYS|top:N", "levels": "1000,500",
 *    "region": "N,W,S,E"|"S=…,N=…,W=…,E=…"|"europe", "start": "2000-01", "end": "2000-12",
 *    "missing": "zero"|"nan", "normalise": "stats.json", "normalise_mode": "standardise"|"minMax",
 *    "skip_incomplete": false, "chip": [height, width], "threads": 1,
 *    "labels": "label_mappings.json"}   (daily: the label ids to extend)
 * — the options of `biocube batches`, with its meanings. An unknown key is an error. */
int32_t biocube_open(const char *options_json, biocube_dataset **dataset, char **error);

/* Releases a dataset (NULL is ignored); no read of it may be running. */
void biocube_close(biocube_dataset *dataset);

/* *json receives a JSON object: items, windows (store window indices), timestamps,
 * grid {height, width}, latitudes, longitudes, chip, storages [{dtype, bytes}], variables
 * ("group:name", in item order), arrays (the store arrays read),
 * problems. Every item has these storages (dtype "float32", "float16" or "float64"). */
int32_t biocube_describe(const biocube_dataset *dataset, char **json, char **error);

/* Reads item `item` into `count` caller-owned buffers (buffer k of sizes[k] bytes, as
 * storage k of the description says), cut to the chip whose top-left cell is (row, column)
 * when the dataset has chips (else pass 0, 0). *pickle receives the item's torch.save pickle
 * (protocol 2; tensors refer to storage k by the persistent id ("storage", <class>, "k", "cpu",
 * numel)) and *pickle_size its length: unpickled with storage k = buffer k, it is exactly the
 * dict torch.load returns for the file `biocube batches` writes for this window. */
int32_t biocube_read(const biocube_dataset *dataset, int64_t item, int64_t row, int64_t column,
                     void *const *buffers, const int64_t *sizes, int64_t count,
                     uint8_t **pickle, int64_t *pickle_size, char **error);

#ifdef __cplusplus
}
#endif

#endif /* BIOCUBE_H */
