#!/bin/bash
# Times a share mount of a 10,000-file folder on a local devnet: the owner
# mounts with the devnet's wallet, copies 100 albums of 100 small files,
# syncs and prints a share string of the folder; then a mount of the share
# through the devnet's aggregator alone is timed until it is mounted and
# until `find` has listed every file. As root (FUSE).
#   scripts/bench-share.sh [WORKDIR]   (walrusfs from $WALRUSFS, default bin/walrusfs)
set -e
B=$(realpath -m "${1:-/tmp/walrusfs-bench-share}"); W=$(realpath "${WALRUSFS:-bin/walrusfs}")
rm -rf $B/dn $B/data $B/mnt $B/ro $B/src; mkdir -p $B/mnt $B/ro $B/src/album
export B
$W devnet start --dir $B/dn > $B/devnet.out 2> $B/devnet.err &
DPID=$!
for i in $(seq 1 120); do [ -f $B/dn/client_config.yaml ] && grep -q aggregator $B/devnet.out 2>/dev/null && break; sleep 1; done
sleep 3
CONF=$B/dn/client_config.yaml
python3 - <<'PY'
import os
for d in range(100):
    p=f"{os.environ['B']}/src/album/{d:03d}"; os.makedirs(p, exist_ok=True)
    for i in range(100):
        with open(f"{p}/IMG_{d:03d}{i:02d}.jpg","wb") as f: f.write(os.urandom(2000+((d*100+i)%3000)))
PY
$W mount --data-dir $B/data --config $CONF $B/mnt > $B/owner.log 2>&1 &
for i in $(seq 1 60); do mountpoint -q $B/mnt && break; sleep 1; done
cp -r $B/src/album $B/mnt/
$W sync --data-dir $B/data
S=$($W share --data-dir $B/data album)
$W umount $B/mnt
AGG=http://$(python3 -c "import json;print(json.load(open(\"$B/dn/devnet.json\"))[\"aggregator\"])")
echo "aggregator $AGG"
T0=$(date +%s.%N)
echo "$S" | $W mount --share - --aggregator "$AGG" $B/ro > $B/ro.log 2>&1 &
for i in $(seq 1 600); do mountpoint -q $B/ro && break; sleep 0.05; done
T1=$(date +%s.%N)
N=$(find $B/ro -type f | wc -l)
T2=$(date +%s.%N)
echo "share mount: $(echo "$T1-$T0" | bc) s until mounted; listing $N files: $(echo "$T2-$T1" | bc) s; total $(echo "$T2-$T0" | bc) s; load $(cut -d' ' -f1 /proc/loadavg)"
$W umount $B/ro || true
kill $DPID; wait $DPID 2>/dev/null || true
