/* chars.c - character classes of the name grammars of both formats. */
#include "cf.h"

#define ALNUM_(c) (CF_C_NAME0 | CF_C_NAME | CF_C_LABEL0 | CF_C_LABEL)
#define DIGIT_ (CF_C_NAME | CF_C_LABEL)

/* One designated initializer per character (C11 has no range initializers). */
const unsigned char cf_char_class[256] = {
    [' '] = CF_C_BLANK, ['\t'] = CF_C_BLANK, [':'] = CF_C_NAME0 | CF_C_NAME,
    ['_'] = ALNUM_(0),  ['0'] = DIGIT_,      ['1'] = DIGIT_,
    ['2'] = DIGIT_,     ['3'] = DIGIT_,      ['4'] = DIGIT_,
    ['5'] = DIGIT_,     ['6'] = DIGIT_,      ['7'] = DIGIT_,
    ['8'] = DIGIT_,     ['9'] = DIGIT_,      ['a'] = ALNUM_(0),
    ['b'] = ALNUM_(0),  ['c'] = ALNUM_(0),   ['d'] = ALNUM_(0),
    ['e'] = ALNUM_(0),  ['f'] = ALNUM_(0),   ['g'] = ALNUM_(0),
    ['h'] = ALNUM_(0),  ['i'] = ALNUM_(0),   ['j'] = ALNUM_(0),
    ['k'] = ALNUM_(0),  ['l'] = ALNUM_(0),   ['m'] = ALNUM_(0),
    ['n'] = ALNUM_(0),  ['o'] = ALNUM_(0),   ['p'] = ALNUM_(0),
    ['q'] = ALNUM_(0),  ['r'] = ALNUM_(0),   ['s'] = ALNUM_(0),
    ['t'] = ALNUM_(0),  ['u'] = ALNUM_(0),   ['v'] = ALNUM_(0),
    ['w'] = ALNUM_(0),  ['x'] = ALNUM_(0),   ['y'] = ALNUM_(0),
    ['z'] = ALNUM_(0),  ['A'] = ALNUM_(0),   ['B'] = ALNUM_(0),
    ['C'] = ALNUM_(0),  ['D'] = ALNUM_(0),   ['E'] = ALNUM_(0),
    ['F'] = ALNUM_(0),  ['G'] = ALNUM_(0),   ['H'] = ALNUM_(0),
    ['I'] = ALNUM_(0),  ['J'] = ALNUM_(0),   ['K'] = ALNUM_(0),
    ['L'] = ALNUM_(0),  ['M'] = ALNUM_(0),   ['N'] = ALNUM_(0),
    ['O'] = ALNUM_(0),  ['P'] = ALNUM_(0),   ['Q'] = ALNUM_(0),
    ['R'] = ALNUM_(0),  ['S'] = ALNUM_(0),   ['T'] = ALNUM_(0),
    ['U'] = ALNUM_(0),  ['V'] = ALNUM_(0),   ['W'] = ALNUM_(0),
    ['X'] = ALNUM_(0),  ['Y'] = ALNUM_(0),   ['Z'] = ALNUM_(0),
};
