/* closedfile.c: a FILE * kept after fclose, as the McCat imp benchmark
 * keeps img->fp once its image is read. The pointer dangles and the
 * program never uses it again; a checkpoint must treat it as dangling
 * (a restore gives it the poison region), not refuse it as a pointer into
 * nothing saved. */
#include <stdio.h>
#include <stdlib.h>

struct image {
    const char *filename;
    FILE *fp;
    int width, height;
    unsigned char *pixels;
};

static void write_image(const char *name, int w, int h)
{
    FILE *f = fopen(name, "w");
    if (!f) {
        perror(name);
        exit(1);
    }
    fprintf(f, "%d %d\n", w, h);
    for (int i = 0; i < w * h; i++)
        fprintf(f, "%d\n", (i * 37 + 11) % 256);
    fclose(f);
}

static int read_image(struct image *img)
{
    if ((img->fp = fopen(img->filename, "r")) == NULL)
        return -1;
    if (fscanf(img->fp, "%d %d", &img->width, &img->height) != 2)
        return -1;
    img->pixels = malloc((size_t)img->width * img->height);
    for (int i = 0; i < img->width * img->height; i++) {
        int v;
        if (fscanf(img->fp, "%d", &v) != 1)
            return -1;
        img->pixels[i] = (unsigned char)v;
    }
    fclose(img->fp);  /* img->fp is kept, dangling */
    return 0;
}

/* One smoothing pass; the checksum of the result. */
static long smooth(struct image *img)
{
    int w = img->width, h = img->height;
    unsigned char *out = malloc((size_t)w * h);
    long sum = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int s = 0, n = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    if (y + dy >= 0 && y + dy < h && x + dx >= 0 && x + dx < w) {
                        s += img->pixels[(y + dy) * w + x + dx];
                        n++;
                    }
            out[y * w + x] = (unsigned char)(s / n);
            sum = (sum * 7 + out[y * w + x]) % 1000003;
        }
    free(img->pixels);
    img->pixels = out;
    return sum;
}

int main(void)
{
    struct image img = { "closedfile.tmp", NULL, 0, 0, NULL };
    write_image(img.filename, 24, 16);
    if (read_image(&img) < 0) {
        printf("cannot read %s\n", img.filename);
        return 1;
    }
    for (int pass = 1; pass <= 25; pass++)
        printf("pass %d: %ld\n", pass, smooth(&img));
    remove(img.filename);
    return 0;
}
