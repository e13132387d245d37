#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Report one skipped KTAP result: skip.sh NAME REASON
. "$(dirname "$0")/../scripts/ktap.sh"
ktap_skip_all "$1" "$2"
