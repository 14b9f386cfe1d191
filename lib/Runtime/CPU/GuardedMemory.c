/*===-- GuardedMemory.c - Buffers fenced by inaccessible memory -----------===*/
/*
 * Out-of-bounds detection without touching the kernel's code: each buffer of
 * a launch is copied into its own reservation
 *
 *   [ 64 GiB PROT_NONE | data pages (read-write) | 64 GiB PROT_NONE ]
 *
 * with the data placed so that its start is 16-byte aligned (as Metal
 * buffers are; more for over-aligned element types) and its end is as close
 * to the trailing guard as that allows: less than 16 bytes of slack, none
 * when the size is a multiple of 16. An access past the end faults as soon as
 * it passes the slack; one before the start faults once it leaves the first
 * data page. Because a 32-bit index times an element of at
 * most 16 bytes cannot cross 64 GiB, such an access can never reach another
 * buffer or any other memory: it faults, and the scheduler reports it.
 * PROT_NONE reservations cost address space, not memory. Kernels compiled
 * with exact bounds checks (the EnigmaBoundsCheck pass plugin) also catch
 * accesses in the slack and on the first page, before they happen; the
 * regions still keep unchecked code and huge offsets away from other memory.
 *
 * Regions are pooled by size: a kernel launched again with the same buffer
 * sizes reuses them without new mappings or page faults.
 */

#define _GNU_SOURCE
#include "CpuRuntime.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif

/* Idle regions kept for reuse: enough for the buffers of a launch with a few
 * large arrays, bounded so a process that once used huge buffers does not
 * keep them. */
#define MAX_IDLE_REGIONS 32
#define MAX_IDLE_BYTES ((size_t)512 << 20)

static pthread_mutex_t gPoolLock = PTHREAD_MUTEX_INITIALIZER;
static EnigmaCpuRegion *gIdle;
static size_t gIdleCount, gIdleBytes;

size_t enigmaCpuPageSize(void) {
  static size_t page;
  if (!page) {
    long p = sysconf(_SC_PAGESIZE);
    page = p > 0 ? (size_t)p : 4096;
  }
  return page;
}

static char *dataStart(EnigmaCpuRegion *r, size_t bytes, size_t align) {
  char *end = r->base + ENIGMA_CPU_GUARD_BYTES + r->dataPages;
  return (char *)(((uintptr_t)end - bytes) & ~(uintptr_t)(align - 1));
}

EnigmaRuntimeStatus enigmaCpuRegionAcquire(size_t bytes, size_t align, EnigmaCpuRegion **out,
                                           char **data, EnigmaRuntimeError *error) {
  size_t page = enigmaCpuPageSize();
  if (bytes > ENIGMA_CPU_GUARD_BYTES)
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "buffer of %zu bytes is larger than the %zu bytes "
                             "the CPU runtime guards",
                             bytes, (size_t)ENIGMA_CPU_GUARD_BYTES);
  if (align < 16 || (align & (align - 1)) || align > page)
    align = 16;
  // The start is aligned down, which can take up to align - 1 more bytes.
  size_t pages = (bytes + align - 1 + page - 1) / page * page;
  if (pages == 0)
    pages = page;

  pthread_mutex_lock(&gPoolLock);
  EnigmaCpuRegion **link = &gIdle;
  for (; *link; link = &(*link)->next)
    if ((*link)->dataPages == pages)
      break;
  EnigmaCpuRegion *r = *link;
  if (r) {
    *link = r->next;
    --gIdleCount;
    gIdleBytes -= r->dataPages;
  }
  pthread_mutex_unlock(&gPoolLock);

  if (!r) {
    r = calloc(1, sizeof(*r));
    if (!r)
      return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
    r->reserved = 2 * ENIGMA_CPU_GUARD_BYTES + pages;
    r->dataPages = pages;
    void *base =
        mmap(NULL, r->reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) {
      int e = errno;
      free(r);
      return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM,
                               "cannot reserve guarded memory for a buffer of "
                               "%zu bytes: %s",
                               bytes, strerror(e));
    }
    r->base = base;
    if (mprotect(r->base + ENIGMA_CPU_GUARD_BYTES, pages, PROT_READ | PROT_WRITE) != 0) {
      int e = errno;
      munmap(r->base, r->reserved);
      free(r);
      return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM,
                               "cannot commit %zu bytes of buffer memory: %s", pages, strerror(e));
    }
  }
  char *start = dataStart(r, bytes, align);
  // The accessible bytes around the data (the rest of the first page, and
  // the < align bytes of alignment slack after the end) belong to no buffer:
  // zero them so an undetected read there is deterministic.
  char *first = r->base + ENIGMA_CPU_GUARD_BYTES;
  char *last = first + r->dataPages;
  memset(first, 0, (size_t)(start - first));
  memset(start + bytes, 0, (size_t)(last - (start + bytes)));
  *out = r;
  *data = start;
  return ENIGMA_RUNTIME_OK;
}

bool enigmaCpuRegionProtect(EnigmaCpuRegion *r, bool readOnly) {
  return mprotect(r->base + ENIGMA_CPU_GUARD_BYTES, r->dataPages,
                  readOnly ? PROT_READ : PROT_READ | PROT_WRITE) == 0;
}

void enigmaCpuRegionRelease(EnigmaCpuRegion *r) {
  if (!r)
    return;
  pthread_mutex_lock(&gPoolLock);
  // Kept populated: reuse then costs no page faults. (MADV_FREE would let the
  // kernel take the pages back, but in a memory cgroup it does so eagerly and
  // every launch of a large kernel paid for zeroing them again.)
  if (gIdleCount < MAX_IDLE_REGIONS && gIdleBytes + r->dataPages <= MAX_IDLE_BYTES) {
    r->next = gIdle;
    gIdle = r;
    ++gIdleCount;
    gIdleBytes += r->dataPages;
    r = NULL;
  }
  pthread_mutex_unlock(&gPoolLock);
  if (r) {
    munmap(r->base, r->reserved);
    free(r);
  }
}
