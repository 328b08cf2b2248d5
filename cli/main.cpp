#include "app.hpp"

int main(int argc, char** argv) { return ftgo::cli::ftgo_main(argc, argv); }
