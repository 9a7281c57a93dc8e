/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the MMIO bus: region table, lookup, access checks and dispatch. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/bus.h"

/* A fake device that records the last access it saw. */
struct fake {
	unsigned reads, writes, destroyed;
	uint64_t off, val;
	unsigned size;
	int ret;
};

static int fake_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
	struct fake *f = opaque;

	f->reads++;
	f->off = off;
	f->size = size;
	/* More bits than the access asks for: the bus must mask them. */
	*val = 0x1122334455667788ull + off;
	return f->ret;
}

static int fake_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct fake *f = opaque;

	f->writes++;
	f->off = off;
	f->size = size;
	f->val = val;
	return f->ret;
}

static void fake_destroy(void *opaque)
{
	((struct fake *)opaque)->destroyed++;
}

static struct mmio_region region(uint64_t base, uint64_t size, unsigned min, unsigned max,
				 struct fake *f)
{
	struct mmio_region r = {
	    .name = "fake",
	    .base = base,
	    .size = size,
	    .min_access = (uint8_t)min,
	    .max_access = (uint8_t)max,
	    .opaque = f,
	    .read = fake_read,
	    .write = fake_write,
	    .destroy = fake_destroy,
	};
	return r;
}

static void test_add_overlap(void **state)
{
	struct bus b;
	struct fake f = {0};
	struct mmio_region r;

	(void)state;
	memset(&b, 0, sizeof(b));
	r = region(0x1000, 0x1000, 1, 8, &f);
	assert_int_equal(bus_add(&b, &r), 0);
	/* Same, inside, straddling either end, enclosing: all overlap. */
	assert_int_equal(bus_add(&b, &r), -EEXIST);
	r = region(0x1800, 0x10, 1, 8, &f);
	assert_int_equal(bus_add(&b, &r), -EEXIST);
	r = region(0xff0, 0x20, 1, 8, &f);
	assert_int_equal(bus_add(&b, &r), -EEXIST);
	r = region(0x1ff0, 0x20, 1, 8, &f);
	assert_int_equal(bus_add(&b, &r), -EEXIST);
	r = region(0x0, 0x10000, 1, 8, &f);
	assert_int_equal(bus_add(&b, &r), -EEXIST);
	/* Adjacent on both sides is fine. */
	r = region(0x0, 0x1000, 1, 8, &f);
	assert_int_equal(bus_add(&b, &r), 0);
	r = region(0x2000, 0x1000, 1, 8, &f);
	assert_int_equal(bus_add(&b, &r), 0);
	assert_int_equal(b.count, 3);
	bus_destroy(&b);
	assert_int_equal(f.destroyed, 3);
	assert_int_equal(b.count, 0);
}

static void test_add_invalid(void **state)
{
	struct bus b;
	struct fake f = {0};
	struct mmio_region r;

	(void)state;
	memset(&b, 0, sizeof(b));
	r = region(0x1000, 0, 1, 8, &f);
	assert_int_equal(bus_add(&b, &r), -EINVAL);
	r = region(~0ull - 0xff, 0x1000, 1, 8, &f);
	assert_int_equal(bus_add(&b, &r), -EINVAL);
	r = region(0x1000, 0x1000, 3, 8, &f);
	assert_int_equal(bus_add(&b, &r), -EINVAL);
	r = region(0x1000, 0x1000, 8, 4, &f);
	assert_int_equal(bus_add(&b, &r), -EINVAL);
	r = region(0x1000, 0x1000, 1, 16, &f);
	assert_int_equal(bus_add(&b, &r), -EINVAL);
	/* A window ending exactly at the top of the address space is valid. */
	r = region(~0ull - 0xfff, 0x1000, 1, 8, &f);
	assert_int_equal(bus_add(&b, &r), 0);
	assert_int_equal(b.count, 1);
	bus_destroy(&b);
}

static void test_add_full(void **state)
{
	struct bus b;
	struct fake f = {0};
	struct mmio_region r;

	(void)state;
	memset(&b, 0, sizeof(b));
	for (unsigned i = 0; i < BUS_MAX_REGIONS; i++) {
		r = region(0x10000 + i * 0x100, 0x100, 1, 8, &f);
		assert_int_equal(bus_add(&b, &r), 0);
	}
	r = region(0x100000, 0x100, 1, 8, &f);
	assert_int_equal(bus_add(&b, &r), -ENOSPC);
	bus_destroy(&b);
	assert_int_equal(f.destroyed, BUS_MAX_REGIONS);
}

static void test_find(void **state)
{
	struct bus b;
	struct fake f1 = {0}, f2 = {0};
	struct mmio_region r;
	const struct mmio_region *got;

	(void)state;
	memset(&b, 0, sizeof(b));
	r = region(0x2000000, 0x10000, 4, 8, &f1);
	assert_int_equal(bus_add(&b, &r), 0);
	r = region(0x10000000, 0x100, 1, 1, &f2);
	assert_int_equal(bus_add(&b, &r), 0);
	got = bus_find(&b, 0x2000000);
	assert_non_null(got);
	assert_ptr_equal(got->opaque, &f1);
	got = bus_find(&b, 0x200ffff);
	assert_non_null(got);
	assert_ptr_equal(got->opaque, &f1);
	assert_null(bus_find(&b, 0x2010000));
	assert_null(bus_find(&b, 0x1ffffff));
	got = bus_find(&b, 0x100000ff);
	assert_non_null(got);
	assert_ptr_equal(got->opaque, &f2);
	assert_null(bus_find(&b, 0x10000100));
	assert_null(bus_find(&b, 0));
	bus_destroy(&b);
}

static void test_access_rejected(void **state)
{
	struct bus b;
	struct fake f = {0};
	struct mmio_region r;
	uint64_t v = 123;

	(void)state;
	memset(&b, 0, sizeof(b));
	r = region(0x1000, 0x100, 4, 4, &f);
	assert_int_equal(bus_add(&b, &r), 0);
	/* Too small, too big, not a real size, misaligned, unmapped, past the window. */
	assert_int_equal(bus_read(&b, 0x1000, 1, &v), -EFAULT);
	assert_int_equal(v, 0);
	assert_int_equal(bus_read(&b, 0x1000, 2, &v), -EFAULT);
	assert_int_equal(bus_read(&b, 0x1000, 8, &v), -EFAULT);
	assert_int_equal(bus_read(&b, 0x1000, 3, &v), -EFAULT);
	assert_int_equal(bus_read(&b, 0x1002, 4, &v), -EFAULT);
	assert_int_equal(bus_read(&b, 0x2000, 4, &v), -EFAULT);
	assert_int_equal(bus_write(&b, 0x1000, 1, 0), -EFAULT);
	assert_int_equal(bus_write(&b, 0x1001, 4, 0), -EFAULT);
	assert_int_equal(bus_write(&b, 0x0ffc, 4, 0), -EFAULT);
	assert_int_equal(f.reads, 0);
	assert_int_equal(f.writes, 0);
	bus_destroy(&b);

	/* An 8-byte access whose tail leaves a 4-byte-sized window. */
	r = region(0x1000, 0x4, 4, 8, &f);
	assert_int_equal(bus_add(&b, &r), 0);
	assert_int_equal(bus_read(&b, 0x1000, 8, &v), -EFAULT);
	assert_int_equal(bus_read(&b, 0x1000, 4, &v), 0);
	assert_int_equal(f.reads, 1);
	bus_destroy(&b);
}

static void test_dispatch(void **state)
{
	struct bus b;
	struct fake f = {0};
	struct mmio_region r;
	uint64_t v;

	(void)state;
	memset(&b, 0, sizeof(b));
	r = region(0x10000000, 0x100, 1, 8, &f);
	assert_int_equal(bus_add(&b, &r), 0);

	assert_int_equal(bus_read(&b, 0x10000010, 8, &v), 0);
	assert_int_equal(f.off, 0x10);
	assert_int_equal(f.size, 8);
	assert_int_equal(v, 0x1122334455667798ull);
	assert_int_equal(bus_read(&b, 0x10000004, 4, &v), 0);
	assert_int_equal(v, 0x5566778cull);
	assert_int_equal(bus_read(&b, 0x10000002, 2, &v), 0);
	assert_int_equal(v, 0x778aull);
	assert_int_equal(bus_read(&b, 0x10000003, 1, &v), 0);
	assert_int_equal(f.off, 3);
	assert_int_equal(f.size, 1);
	assert_int_equal(v, 0x8bull);

	assert_int_equal(bus_write(&b, 0x10000020, 4, 0xdeadbeefcafef00dull), 0);
	assert_int_equal(f.off, 0x20);
	assert_int_equal(f.size, 4);
	assert_int_equal(f.val, 0xcafef00dull);
	assert_int_equal(bus_write(&b, 0x100000f8, 8, 0xdeadbeefcafef00dull), 0);
	assert_int_equal(f.off, 0xf8);
	assert_int_equal(f.val, 0xdeadbeefcafef00dull);
	assert_int_equal(f.writes, 2);

	/* A device that refuses an access makes it fault. */
	f.ret = -EINVAL;
	assert_int_equal(bus_write(&b, 0x10000000, 1, 1), -EFAULT);
	assert_int_equal(bus_read(&b, 0x10000000, 1, &v), -EFAULT);
	assert_int_equal(v, 0);
	bus_destroy(&b);
	assert_int_equal(f.destroyed, 1);
}

static void test_no_callbacks(void **state)
{
	struct bus b;
	struct fake f = {0};
	struct mmio_region r;
	uint64_t v;

	(void)state;
	memset(&b, 0, sizeof(b));
	r = region(0x1000, 0x100, 1, 8, &f);
	r.read = NULL;
	r.write = NULL;
	r.destroy = NULL;
	assert_int_equal(bus_add(&b, &r), 0);
	assert_int_equal(bus_read(&b, 0x1000, 4, &v), -EFAULT);
	assert_int_equal(bus_write(&b, 0x1000, 4, 0), -EFAULT);
	bus_destroy(&b);
	assert_int_equal(f.destroyed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_overlap),	    cmocka_unit_test(test_add_invalid),
	    cmocka_unit_test(test_add_full),	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_access_rejected), cmocka_unit_test(test_dispatch),
	    cmocka_unit_test(test_no_callbacks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
