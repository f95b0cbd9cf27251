/* CUnit: the JSON5-lite pre-pass, its error positions, and a fuzz run. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "json5.h"

static json_t *
load(const char *text, size_t *off, char *msg)
{
    struct json5_doc doc;
    const char *cmsg;
    if (json5_doc_convert(text, strlen(text), &doc, off, &cmsg) != 0) {
        strcpy(msg, cmsg);
        return NULL;
    }
    json_t *j = json5_doc_parse(&doc, off, msg, 200);
    json5_doc_free(&doc);
    return j;
}

static void
test_leniencies(void)
{
    const char *text = "// ContainerPilot config\n"
                       "{ telemetry: { port: 9090, /* inline */ tags: [\"a\", \"b\",],\n"
                       "  $odd_key1: \"x // not a comment\", },\n"
                       "}\n";
    size_t off;
    char msg[256];
    json_t *j = load(text, &off, msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    json_t *t = json_object_get(j, "telemetry");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(t, "port")), 9090);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(t, "tags")), 2);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(t, "$odd_key1")),
                           "x // not a comment");
    json_decref(j);
}

static void
test_words_and_numbers(void)
{
    size_t off;
    char msg[256];
    json_t *j = load("{a:true,b:null,c:-1.5e3,d:[1/**/,2]}", &off, msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_TRUE(json_is_true(json_object_get(j, "a")));
    CU_ASSERT_TRUE(json_is_null(json_object_get(j, "b")));
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(j, "c")), -1500, 1e-9);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "d")), 2);
    json_decref(j);
    /* a comment between two numbers must not glue them together */
    j = load("[1/**/2]", &off, msg);
    CU_ASSERT_PTR_NULL(j);
    json_decref(j);
}

static void
expect_error_at(const char *text, int line, int col)
{
    size_t off = (size_t)-1;
    char msg[256] = "";
    json_t *j = load(text, &off, msg);
    CU_ASSERT_PTR_NULL(j);
    json_decref(j);
    int l, c;
    json5_position(text, strlen(text), off, &l, &c);
    CU_ASSERT_EQUAL(l, line);
    CU_ASSERT_EQUAL(c, col);
    if (l != line || c != col)
        fprintf(stderr, "\n  %s -> %d:%d (%s), want %d:%d\n", text, l, c, msg, line, col);
}

static void
test_error_positions(void)
{
    expect_error_at("{\n  a: 1,\n  b: x\n}", 3, 6);
    expect_error_at("{\n  /* open\n", 2, 3);
    expect_error_at("{ // c\n  key: 'single'\n}", 2, 8);
    expect_error_at("{\"a\": 1, \"a\": 2}", 1, 10);
    expect_error_at("{a: 1\n b: 2}", 2, 2);
    expect_error_at("{ \"s\": \"unterminated", 1, 8);
    expect_error_at("{ k\u00e9y: 1 }", 1, 3);
}

static void
test_locate(void)
{
    const char *text = "{ a: { list: [ 1, // one\n  {x: 2, x: 3} ] } }";
    struct json5_doc doc;
    size_t off;
    const char *msg;
    CU_ASSERT_EQUAL_FATAL(json5_doc_convert(text, strlen(text), &doc, &off, &msg), 0);
    struct json5_step path[] = {{"a", 0}, {"list", 0}, {NULL, 1}, {"x", 0}};
    CU_ASSERT_EQUAL(json5_doc_locate(&doc, path, 4, false, &off), 0);
    int l, c;
    json5_position(text, strlen(text), off, &l, &c);
    CU_ASSERT_EQUAL(l, 2);
    CU_ASSERT_EQUAL(c, 13); /* the last x wins, as in jansson */
    CU_ASSERT_EQUAL(json5_doc_locate(&doc, path, 4, true, &off), 0);
    json5_position(text, strlen(text), off, &l, &c);
    CU_ASSERT_EQUAL(c, 10);
    struct json5_step missing[] = {{"a", 0}, {"nope", 0}};
    CU_ASSERT_EQUAL(json5_doc_locate(&doc, missing, 2, false, &off), -1);
    json5_doc_free(&doc);
}

/* Mutation fuzzing from a realistic seed: whatever the bytes, the pre-pass
 * must not crash (ASan watches), its map must be monotonic and inside the
 * source, and error offsets must lie inside the source. */
static void
test_fuzz(void)
{
    static const char seed[] =
        "// c\n{ telemetry: { port: 9090, interfaces: [\"eth0:inet\",],\n"
        " sensors: [ { name: \"q\", type: \"gauge\", poll: 5, check: \"/bin/echo 1\", },"
        " /* x */ ], metrics: [{name: \"m\", type: \"counter\", help: \"a \\\" b\"}] } }\n";
    const char alphabet[] = "{}[],:\"'/*\\\n abc01-.e";
    unsigned state = 12345;
    int bad_map = 0, bad_off = 0;
    for (int iter = 0; iter < 20000; iter++) {
        char text[sizeof seed];
        memcpy(text, seed, sizeof seed);
        size_t len = sizeof seed - 1;
        int muts = 1 + (int)((state = state * 1103515245u + 12345u) >> 16) % 6;
        for (int m = 0; m < muts; m++) {
            state = state * 1103515245u + 12345u;
            size_t at = (state >> 8) % len;
            text[at] = alphabet[(state >> 20) % (sizeof alphabet - 1)];
        }
        if (iter % 7 == 0)
            len = (state >> 4) % len; /* truncation */
        struct json5_doc doc;
        size_t off = 0;
        const char *msg;
        if (json5_doc_convert(text, len, &doc, &off, &msg) != 0) {
            bad_off += off > len;
            continue;
        }
        for (size_t k = 0; k <= doc.jd_len; k++)
            bad_map += doc.jd_map[k] > len || (k > 0 && doc.jd_map[k] < doc.jd_map[k - 1]);
        char jmsg[256];
        json_t *j = json5_doc_parse(&doc, &off, jmsg, sizeof jmsg);
        if (j == NULL)
            bad_off += off > len;
        json_decref(j);
        json5_doc_free(&doc);
    }
    CU_ASSERT_EQUAL(bad_map, 0);
    CU_ASSERT_EQUAL(bad_off, 0);
}

static const CU_TestInfo tests[] = {
    {"leniencies", test_leniencies},
    {"words and numbers", test_words_and_numbers},
    {"error positions", test_error_positions},
    {"locate", test_locate},
    {"fuzz", test_fuzz},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    return cunit_main(argc, argv, "json5", tests);
}
