#!/usr/bin/env bash
# issue 18 measurements: local sweep vs the Spark engine (local[1], local[2]) on the bundled sample and on 8 traces.
set -u
R="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
M="${1:?usage: spark/measure-sweep.sh WORK_DIR (created; holds the jar copies, the traces and the outputs)}"
J=$M/jars
mkdir -p $J && cp $R/bench/target/lookm.jar $R/spark/target/lookm-spark.jar $R/spark/target/spark-classpath.txt $J/ || { echo "build first: mvn -q -pl spark -am package -DskipTests" >&2; exit 2; }
flags=$(grep -v '^\s*$' $R/spark/jvm-flags.txt | tr '\n' ' ')
lookm_local() { java --add-opens=java.base/java.nio=ALL-UNNAMED -Djava.awt.headless=true -jar $J/lookm.jar "$@"; }
lookm_spark() { java $flags -Djava.awt.headless=true -Dlog4j2.configurationFile=$R/spark/log4j2.properties -cp "$J/lookm-spark.jar:$(cat $J/spark-classpath.txt)" lookm.bench.cli.LookmCli "$@"; }
run() {  # name engine-fn args...
  local name=$1; shift; local fn=$1; shift
  rm -rf $M/out-$name
  local t0=$(date +%s.%N)
  $fn sweep "$@" --out $M/out-$name --quiet > $M/log-$name.txt 2>&1
  local rc=$?
  local t1=$(date +%s.%N)
  echo "$name rc=$rc wall=$(echo "$t1 - $t0" | bc) load=$(cut -d' ' -f1-3 /proc/loadavg) $(grep -h 'spark started\|spark computed\|spark wrote' $M/log-$name.txt | tr '\n' ' ')"
}
for i in 0 1 2 3 4 5 6 7; do
  [[ -d $M/eight/t$i ]] || lookm_local trace synth --out $M/eight/t$i --layers 4 --heads 8 --kv-heads 4 --head-dim 64 --seed $i --quiet >/dev/null
done
[[ -d $M/sample ]] || java --add-opens=java.base/java.nio=ALL-UNNAMED -cp $J/lookm.jar lookm.traces.synth.SampleTrace $M/sample
S="--trace $M/sample"
E="--traces $M/eight --policies lookm,h2o,snapkv-32,tp-average --budgets 0.1,0.2,0.4"
echo "== sample (12 policies x 4 budgets x 4 layers = 192 cells), order A B C C B A"
run sample-local-1 lookm_local $S
run sample-spark1-1 lookm_spark $S --engine spark --master 'local[1,4]'
run sample-spark2-1 lookm_spark $S --engine spark --master 'local[2,4]'
run sample-spark2-2 lookm_spark $S --engine spark --master 'local[2,4]'
run sample-spark1-2 lookm_spark $S --engine spark --master 'local[1,4]'
run sample-local-2 lookm_local $S
echo "== eight traces (8 x 4 policies x 3 budgets x 4 layers = 384 cells, 32 tasks)"
run eight-local-1 lookm_local $E
run eight-spark1-1 lookm_spark $E --engine spark --master 'local[1,4]'
run eight-spark2-1 lookm_spark $E --engine spark --master 'local[2,4]'
run eight-spark2-2 lookm_spark $E --engine spark --master 'local[2,4]'
run eight-spark1-2 lookm_spark $E --engine spark --master 'local[1,4]'
run eight-local-2 lookm_local $E
for n in sample eight; do
  diff <(grep -v '^#' $M/out-$n-local-1/sweep-cells.csv) <(grep -v '^#' $M/out-$n-spark2-1/sweep-cells.csv) >/dev/null && echo "$n: sweep-cells.csv local == spark local[2]" || echo "$n: DIFFERENT"
done
