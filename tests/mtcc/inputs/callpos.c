/* callpos.c: calls in every position a token can put them: right after
 * '{' and '(' (in conditions, arguments, casts, returns, for clauses,
 * switch heads, sizeof-free parentheses), in functions a macro writes on
 * one line, and in bodies that are a single call. Built by mtcc, it must
 * print what the plain build prints. */
#include <stdio.h>

static int f(int n){return n <= 0 ? 0 : f(n - 1) + 1;}
static int g(int n){return f(n)+1;}
static void v(int *p){(*p)++;}
#define ONE_LINE(name, e) static int name(int x){return (e);}
ONE_LINE(m1, f(x))
ONE_LINE(m2, (g(x)) + (f((x))))
ONE_LINE(m3, ((long)(f(x))) > 2 ? g(x) : f(x + 1))
#define VOID_LINE(name) static void name(int *p){v(p);v(p);}
VOID_LINE(twice)

static int paren_returns(int n){return (f(n));}
static int nested_blocks(int n){{{return g(n);}}}
static int in_switch(int n){switch (f(n % 4)){case 0:return g(1);case 1:{return (g(2));}default:return f(n);}}
static int in_for(int n){int s=0;for(f(n);(f(n))>s;s+=(g(0))){v(&s);}return s;}
static int in_do(int n){int k=0;do{k+=(f(1));}while((f(n))>k);return k;}
static int in_if(int n){if((f(n))){return (g(n));}else{return (f(n));}}
static int comma(int n){int a=(f(n), g(n));return (a, (f(a)));}
static int cond(int n){return (f(n)) ? (g(n)) : (f(n + 1));}
static int args(int n){return g((f((g(n)))));}

int main(void){
    long s = 0;
    int c = 0;
    for (int i = 0; i < 40; i++) {{
        s += m1(i % 5) + m2(i % 6) + m3(i % 7) + paren_returns(i % 8) + nested_blocks(i % 9);
        s += in_switch(i) + in_for(i % 10) + in_do(i % 11) + in_if(i % 3) + comma(i % 4) + cond(i % 2) + args(i % 5);
        twice(&c);
    }}
    printf("callpos: %ld %d\n", s, c);
    return 0;
}
