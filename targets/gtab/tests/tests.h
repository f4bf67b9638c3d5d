/* tests.h - the groups of gtab tests (main.c runs them all). */
#ifndef GTAB_TESTS_H
#define GTAB_TESTS_H

#include <stdio.h>

void test_lib(void);
void test_race(void);
void test_adapter(void);
void test_order(void);

#endif
