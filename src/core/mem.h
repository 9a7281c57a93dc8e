/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest RAM: its backend (anonymous memory, a memfd, or a file mapped copy-on-write) and the
 * one notion of "page written" (DESIGN.md, the VM model) that code invalidation and the
 * dirty-page log hang off.
 */
#ifndef VIREO_CORE_MEM_H
#define VIREO_CORE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

/* What guest RAM is mapped from. */
enum mem_backend {
	MEM_ANON = 0, /* private anonymous memory (the default) */
	MEM_MEMFD,    /* a memfd mapped shared: other processes can map it through mem_fd() */
	MEM_FILE_COW, /* a caller's file mapped MAP_PRIVATE: guest writes never reach the file */
};

/** Maps vm->ram_size bytes of RAM from backend (file: fd, at least that long); 0 or -errno. */
int mem_create(struct vm *vm, enum mem_backend backend, int fd);

/** Unmaps the RAM and frees the page tables (safe on a partly created VM). */
void mem_destroy(struct vm *vm);

/** The memfd behind a MEM_MEMFD RAM (owned by the VM), else -1. */
int mem_fd(const struct vm *vm);

/**
 * Guest RAM [gpa, gpa+len) was written (by a hart's slow path, a device, the firmware or a
 * loader): marks the pages dirty while logging and makes decoded code on them stale. Returns
 * 1 if a page held decoded code, else 0. Ranges outside RAM are ignored. Any thread.
 */
int mem_written(struct vm *vm, uint64_t gpa, uint64_t len);

/**
 * May a hart hold a fast (TLB) write entry for RAM page ppn? Not while it holds decoded code,
 * nor while dirty logging is on and the page is not yet marked dirty.
 */
bool mem_write_fast_ok(const struct vm *vm, uint64_t ppn);

/** Turns dirty-page logging on (every hart's write entries are dropped) or off. */
void mem_dirty_log(struct vm *vm, bool on);

/** Words (64 pages each) in the dirty bitmap of vm. */
size_t mem_dirty_words(const struct vm *vm);

/**
 * Copies the dirty bitmap (bit ppn of word ppn / 64 is RAM page ppn) into bitmap and clears
 * it, word by word atomically, then drops every hart's write entries so the next write to
 * each page is seen again; 0, or -EINVAL if words < mem_dirty_words(vm). Any thread; exact
 * for a paused VM (a hart store racing with the clear may be reported one round early).
 */
int mem_dirty_read_clear(struct vm *vm, uint64_t *bitmap, size_t words);

#endif
