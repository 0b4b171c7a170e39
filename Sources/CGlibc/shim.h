// glibc functions Swift's Glibc module does not export: the allocator controls (mallopt)
// and syncfs, a GNU extension declared only under _GNU_SOURCE.
#include <malloc.h>

// Declared here rather than through _GNU_SOURCE, which must precede every system header.
extern int syncfs(int fd);

/// Writes back the file system holding `fd`; 0 on success, -1 with errno set.
static inline int biocube_syncfs(int fd) { return syncfs(fd); }
