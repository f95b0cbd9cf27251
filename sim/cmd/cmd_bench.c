/* placeholder replaced below */
int cmd_bench_main(int argc, char **argv);
int
cmd_bench_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 1;
}
