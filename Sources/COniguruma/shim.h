#include <oniguruma.h>

// Swift imports neither macros that take an address nor variadic functions.
static inline int hapax_onig_initialize(void) {
    OnigEncoding encodings[1] = { ONIG_ENCODING_UTF8 };
    return onig_initialize(encodings, 1);
}

static inline int hapax_onig_new(OnigRegex *regex, const unsigned char *pattern, const unsigned char *end,
                                 OnigErrorInfo *info) {
    return onig_new(regex, pattern, end, ONIG_OPTION_NONE, ONIG_ENCODING_UTF8, OnigDefaultSyntax, info);
}

static inline int hapax_onig_error_message(unsigned char *buffer, int code, OnigErrorInfo *info) {
    return onig_error_code_to_str(buffer, code, info);
}
