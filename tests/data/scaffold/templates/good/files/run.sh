#!/bin/sh
echo {{name_upper_snake}}
