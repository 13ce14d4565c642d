/* The floor of process start on this machine: a static program that exits at once. */
int main(void) { return 0; }
