/*
 * CUnit tests of sbuf, the growable buffer: appends keep the text
 * NUL-terminated, the memory grows and is kept across resets, ownership
 * moves out with sbuf_detach(), and an allocation failure is sticky.
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "sbuf.h"

static void
test_append(void)
{
    sbuf_t sb = SBUF_INIT;
    CU_ASSERT_PTR_NULL(sb.sb_buf);
    sbuf_adds(&sb, "abc");
    sbuf_addc(&sb, '-');
    sbuf_add(&sb, "xyz", 2);
    sbuf_addf(&sb, "[%d:%s]", 42, "q");
    CU_ASSERT_STRING_EQUAL(sb.sb_buf, "abc-xy[42:q]");
    CU_ASSERT_EQUAL(sb.sb_len, 12);
    CU_ASSERT(sb.sb_cap > sb.sb_len);
    CU_ASSERT_FALSE(sbuf_failed(&sb));
    sbuf_release(&sb);
    CU_ASSERT_PTR_NULL(sb.sb_buf);
    CU_ASSERT_EQUAL(sb.sb_len, 0);
}

/* addf longer than its stack buffer, and many appends across growths. */
static void
test_grow(void)
{
    sbuf_t sb = SBUF_INIT;
    char long_text[1000];
    memset(long_text, 'x', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    sbuf_addf(&sb, "<%s>", long_text);
    CU_ASSERT_EQUAL(sb.sb_len, 1001);
    CU_ASSERT_EQUAL(sb.sb_buf[0], '<');
    CU_ASSERT_EQUAL(sb.sb_buf[1000], '>');
    CU_ASSERT_EQUAL(sb.sb_buf[1001], '\0');
    for (int i = 0; i < 100000; i++)
        sbuf_addc(&sb, (char)('a' + i % 26));
    CU_ASSERT_EQUAL(sb.sb_len, 101001);
    CU_ASSERT_EQUAL(sb.sb_buf[1001 + 27], 'b');
    CU_ASSERT_EQUAL(strlen(sb.sb_buf), sb.sb_len);
    sbuf_release(&sb);
}

static void
test_init_reset_setlen(void)
{
    sbuf_t sb;
    CU_ASSERT_EQUAL(sbuf_init(&sb, 5000), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sb.sb_buf);
    CU_ASSERT_STRING_EQUAL(sb.sb_buf, "");
    CU_ASSERT_EQUAL(sb.sb_cap, 5001);
    char *mem = sb.sb_buf;
    sbuf_adds(&sb, "hello, world");
    CU_ASSERT_PTR_EQUAL(sb.sb_buf, mem); /* the hint was room enough */
    sbuf_setlen(&sb, 5);
    CU_ASSERT_STRING_EQUAL(sb.sb_buf, "hello");
    sbuf_setlen(&sb, 50); /* longer than the text: ignored */
    CU_ASSERT_EQUAL(sb.sb_len, 5);
    sbuf_reset(&sb);
    CU_ASSERT_STRING_EQUAL(sb.sb_buf, "");
    CU_ASSERT_PTR_EQUAL(sb.sb_buf, mem); /* memory kept */
    sbuf_release(&sb);
    sbuf_t never = SBUF_INIT;
    sbuf_setlen(&never, 0);
    sbuf_reset(&never);
    CU_ASSERT_PTR_NULL(never.sb_buf);
}

static void
test_detach(void)
{
    sbuf_t sb = SBUF_INIT;
    size_t len = 99;
    CU_ASSERT_PTR_NULL(sbuf_detach(&sb, &len));
    CU_ASSERT_EQUAL(len, 0);
    sbuf_adds(&sb, "owned");
    char *p = sbuf_detach(&sb, &len);
    CU_ASSERT_STRING_EQUAL(p, "owned");
    CU_ASSERT_EQUAL(len, 5);
    CU_ASSERT_PTR_NULL(sb.sb_buf);
    CU_ASSERT_EQUAL(sb.sb_len + sb.sb_cap, 0);
    sbuf_adds(&sb, "again"); /* usable after detach */
    CU_ASSERT_STRING_EQUAL(sb.sb_buf, "again");
    CU_ASSERT_PTR_NOT_EQUAL(sb.sb_buf, p);
    free(p);
    sbuf_release(&sb);
}

/* A growth that cannot be had fails, and stays failed until a reset. */
static void
test_sticky_failure(void)
{
    sbuf_t sb = SBUF_INIT;
    sbuf_adds(&sb, "kept");
    CU_ASSERT_EQUAL(sbuf_grow(&sb, SIZE_MAX / 2), -1);
    CU_ASSERT_TRUE(sbuf_failed(&sb));
    sbuf_adds(&sb, " lost");
    sbuf_addc(&sb, '!');
    sbuf_addf(&sb, "%d", 1);
    CU_ASSERT_STRING_EQUAL(sb.sb_buf, "kept");
    CU_ASSERT_EQUAL(sbuf_grow(&sb, 1), -1); /* even a small growth */
    sbuf_reset(&sb);
    CU_ASSERT_FALSE(sbuf_failed(&sb));
    sbuf_adds(&sb, "new");
    CU_ASSERT_STRING_EQUAL(sb.sb_buf, "new");
    sbuf_release(&sb);
    sbuf_t big;
    CU_ASSERT_EQUAL(sbuf_init(&big, SIZE_MAX - 8), -1);
    CU_ASSERT_TRUE(sbuf_failed(&big));
    CU_ASSERT_PTR_NULL(big.sb_buf);
    sbuf_release(&big);
}

int
main(int argc, char **argv)
{
    static CU_TestInfo tests[] = {{"append", test_append},
                                  {"grow", test_grow},
                                  {"init, reset and setlen", test_init_reset_setlen},
                                  {"detach", test_detach},
                                  {"sticky failure", test_sticky_failure},
                                  CU_TEST_INFO_NULL};
    return cunit_main(argc, argv, "sbuf", tests);
}
