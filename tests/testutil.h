/*
 * testutil.h - what every cmocka unit test includes.
 */
#ifndef PROCHOOK_TESTUTIL_H
#define PROCHOOK_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Unit tests run from the top of the source tree. */
#define TEST_DATA	"tests/data"

#endif
