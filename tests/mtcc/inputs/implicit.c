/* implicit.c: passes libclang, but the compiler refuses the call on
 * line 11 under -Werror=implicit-function-declaration: the message must
 * be the compiler's own and name implicit.c:11. */
static int twice(int x)
{
    return 2 * x;
}

int main(void)
{
    return twice(undeclared_fn(2));
}
