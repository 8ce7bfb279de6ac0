/* syntax.c: a syntax error on line 5. */
int ok(void) { return 0; }

int broken(void)
{ return 1 +; }
