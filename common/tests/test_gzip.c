/*
 * CUnit tests of gzip_compress(): the output is one gzip member (RFC 1952
 * magic), much smaller than a repetitive exposition, appended after what
 * the buffer held, and zlib inflates it back to the very same bytes.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cunit_main.h"
#include "gzip.h"

/* Inflates z[0..zlen) into a malloc'd buffer of want bytes; NULL on error. */
static char *
inflate_all(const char *z, size_t zlen, size_t want)
{
    z_stream zs = {0};
    if (inflateInit2(&zs, 15 + 16) != Z_OK)
        return NULL;
    char *back = malloc(want + 16);
    zs.next_in = (Bytef *)z;
    zs.avail_in = (uInt)zlen;
    zs.next_out = (Bytef *)back;
    zs.avail_out = (uInt)want + 16;
    int rc = inflate(&zs, Z_FINISH);
    size_t got = zs.total_out;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END || got != want) {
        free(back);
        return NULL;
    }
    return back;
}

static void
test_round_trip(void)
{
    sbuf_t in = SBUF_INIT, z = SBUF_INIT;
    for (int i = 0; i < 2000; i++)
        sbuf_addf(&in, "metric_%d{interface=\"net0\"} %d\n", i % 50, i);
    CU_ASSERT_EQUAL(gzip_compress(in.sb_buf, in.sb_len, &z), 0);
    CU_ASSERT(z.sb_len > 18 && z.sb_len < in.sb_len / 4);
    CU_ASSERT_EQUAL((unsigned char)z.sb_buf[0], 0x1f);
    CU_ASSERT_EQUAL((unsigned char)z.sb_buf[1], 0x8b);
    char *back = inflate_all(z.sb_buf, z.sb_len, in.sb_len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(back);
    CU_ASSERT(memcmp(back, in.sb_buf, in.sb_len) == 0);
    free(back);
    sbuf_release(&in);
    sbuf_release(&z);
}

/* The member is appended: what the buffer held stays in front. */
static void
test_appends(void)
{
    sbuf_t z = SBUF_INIT;
    sbuf_adds(&z, "head");
    CU_ASSERT_EQUAL(gzip_compress("", 0, &z), 0);
    CU_ASSERT(z.sb_len > 4 + 18 - 1);
    CU_ASSERT(memcmp(z.sb_buf, "head", 4) == 0);
    CU_ASSERT_EQUAL((unsigned char)z.sb_buf[4], 0x1f);
    char *back = inflate_all(z.sb_buf + 4, z.sb_len - 4, 0);
    CU_ASSERT_PTR_NOT_NULL(back);
    free(back);
    sbuf_release(&z);
}

int
main(int argc, char **argv)
{
    static CU_TestInfo tests[] = {
        {"round trip", test_round_trip}, {"appends", test_appends}, CU_TEST_INFO_NULL};
    return cunit_main(argc, argv, "gzip", tests);
}
