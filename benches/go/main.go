// Command goro-workloads is the Go side of goro's workload harness: the
// workloads of benches/WORKLOADS.md on Go's runtime, standard library only.
//
//	goro-workloads [--scale F] [--only W1,W5]
//
// stdout: one "<ID> <value> <unit>" line per workload, nothing else; stderr:
// notes. Every workload checks its result and the program exits 1 when one is
// wrong (exit 2: usage). The harness (benches/workloads.rs) runs one workload
// per process (--only ID) with GOMAXPROCS set, as it runs the Rust runtimes.
//
// go.mod says go 1.23: Go 1.23's timers are part of the reference (W5's
// unstopped time.After is garbage as soon as it is unreferenced).
package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type workload struct {
	id, unit string
	run      func(scale float64) float64
}

var all = []workload{
	{"W1", "ns/goroutine", w1SpawnJoin},
	{"W2", "ns/roundtrip", w2PingPong},
	{"W3", "ns/msg", w3MPMC},
	{"W4", "ns/msg", w4Select4},
	{"W5", "ns/select", w5SelectTimeout},
	{"W6", "ns/lockop", w6Mutex},
	{"W7", "B/goroutine", w7Parked},
	{"W8", "s", w8Timers},
	{"W9", "ms", w9Whispers},
	{"W10", "ns/roundtrip", w10TCPEcho},
}

func main() {
	scale := flag.Float64("scale", 1, "multiply every N, M, R and G by this")
	only := flag.String("only", "", "comma-separated workload IDs (default: all)")
	flag.Parse()
	if flag.NArg() != 0 || !(*scale > 0) || math.IsInf(*scale, 0) {
		flag.Usage()
		os.Exit(2)
	}
	want := map[string]bool{}
	for _, id := range strings.Split(*only, ",") {
		if id = strings.ToUpper(strings.TrimSpace(id)); id != "" {
			want[id] = true
		}
	}
	fmt.Fprintf(os.Stderr, "%s GOMAXPROCS=%d scale=%g\n", runtime.Version(), runtime.GOMAXPROCS(0), *scale)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	ran := 0
	for _, w := range all {
		if len(want) > 0 && !want[w.id] {
			continue
		}
		runtime.GC()
		v := w.run(*scale)
		prec := 1
		if v < 10 {
			prec = 3
		}
		fmt.Fprintf(out, "%s %s %s\n", w.id, strconv.FormatFloat(v, 'f', prec, 64), w.unit)
		out.Flush()
		ran++
	}
	if ran == 0 {
		fmt.Fprintf(os.Stderr, "no workload matches --only %q\n", *only)
		os.Exit(2)
	}
}

func scaled(n int, scale float64) int { return max(1, int(math.Round(float64(n)*scale))) }

func perOp(d time.Duration, n int) float64 { return float64(d.Nanoseconds()) / float64(n) }

func check(ok bool, format string, args ...any) {
	if !ok {
		fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
		os.Exit(1)
	}
}

// sumTo is 0 + 1 + ... + (m-1).
func sumTo(m int) uint64 { return uint64(m) * uint64(m-1) / 2 }

// W1 spawn-join.
func w1SpawnJoin(scale float64) float64 {
	n := scaled(1_000_000, scale)
	var count atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() { count.Add(1); wg.Done() }()
	}
	wg.Wait()
	d := time.Since(t0)
	check(count.Load() == int64(n), "W1: count %d, want %d", count.Load(), n)
	return perOp(d, n)
}

// W2 ping-pong over two unbuffered channels.
func w2PingPong(scale float64) float64 {
	r := scaled(1_000_000, scale)
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
	}()
	t0 := time.Now()
	v := 0
	for i := 0; i < r; i++ {
		ping <- v
		v = <-pong
	}
	d := time.Since(t0)
	close(ping)
	check(v == r, "W2: final value %d, want %d", v, r)
	return perOp(d, r)
}

// W3 mpmc: 4 producers, 4 consumers, one channel of capacity 1024.
func w3MPMC(scale float64) float64 {
	per := max(1, scaled(10_000_000, scale)/4)
	m := per * 4
	ch := make(chan uint64, 1024)
	sums := make(chan uint64, 4)
	t0 := time.Now()
	var producers sync.WaitGroup
	producers.Add(4)
	for p := 0; p < 4; p++ {
		go func(base uint64) {
			defer producers.Done()
			for i := uint64(0); i < uint64(per); i++ {
				ch <- base + i
			}
		}(uint64(p * per))
	}
	for c := 0; c < 4; c++ {
		go func() {
			var s uint64
			for v := range ch {
				s += v
			}
			sums <- s
		}()
	}
	producers.Wait()
	close(ch)
	var total uint64
	for c := 0; c < 4; c++ {
		total += <-sums
	}
	d := time.Since(t0)
	check(total == sumTo(m), "W3: sum %d, want %d", total, sumTo(m))
	return perOp(d, m)
}

// W4 select4: one consumer selects over 4 channels of capacity 16.
func w4Select4(scale float64) float64 {
	per := max(1, scaled(4_000_000, scale)/4)
	m := per * 4
	var cs [4]chan uint64
	t0 := time.Now()
	for p := range cs {
		cs[p] = make(chan uint64, 16)
		go func(ch chan uint64, base uint64) {
			for i := uint64(0); i < uint64(per); i++ {
				ch <- base + i
			}
			close(ch)
		}(cs[p], uint64(p*per))
	}
	a, b, c, e := cs[0], cs[1], cs[2], cs[3]
	var sum uint64
	count, open := 0, 4
	for open > 0 {
		var v uint64
		var ok bool
		select {
		case v, ok = <-a:
			if !ok {
				a = nil
			}
		case v, ok = <-b:
			if !ok {
				b = nil
			}
		case v, ok = <-c:
			if !ok {
				c = nil
			}
		case v, ok = <-e:
			if !ok {
				e = nil
			}
		}
		if !ok {
			open--
			continue
		}
		sum += v
		count++
	}
	d := time.Since(t0)
	check(sum == sumTo(m) && count == m, "W4: sum %d count %d, want m = %d", sum, count, m)
	return perOp(d, m)
}

// W5 select with a fresh 1 s time.After that never fires.
func w5SelectTimeout(scale float64) float64 {
	r := scaled(1_000_000, scale)
	ch := make(chan uint64, 1)
	t0 := time.Now()
	go func() {
		for i := 0; i < r; i++ {
			ch <- uint64(i)
		}
	}()
	var sum uint64
	for i := 0; i < r; i++ {
		select {
		case v := <-ch:
			sum += v
		case <-time.After(time.Second):
			check(false, "W5: the timeout fired")
		}
	}
	d := time.Since(t0)
	check(sum == sumTo(r), "W5: sum %d, want %d", sum, sumTo(r))
	return perOp(d, r)
}

// W6 mutex: G goroutines x K lock/increment/unlock (K = 1,000, not scaled).
func w6Mutex(scale float64) float64 {
	const k = 1_000
	g := scaled(1_000, scale)
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := 0
	t0 := time.Now()
	wg.Add(g)
	for i := 0; i < g; i++ {
		go func() {
			defer wg.Done()
			for j := 0; j < k; j++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	d := time.Since(t0)
	check(counter == g*k, "W6: counter %d, want %d", counter, g*k)
	return perOp(d, g*k)
}

// vmRSS reads resident memory after a GC and a 100 ms settle, as the Rust
// versions do (they settle 100 ms too).
func vmRSS() int64 {
	runtime.GC()
	time.Sleep(100 * time.Millisecond)
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// W7 parked: N goroutines block on a gate channel; bytes of VmRSS each.
func w7Parked(scale float64) float64 {
	n := scaled(1_000_000, scale)
	gate := make(chan struct{})
	var started, done sync.WaitGroup
	var woke atomic.Int64
	before := vmRSS()
	started.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			started.Done()
			<-gate
			woke.Add(1)
			done.Done()
		}()
	}
	started.Wait()
	after := vmRSS()
	t0 := time.Now()
	close(gate)
	done.Wait()
	wake := time.Since(t0)
	check(woke.Load() == int64(n), "W7: %d woke, want %d", woke.Load(), n)
	fmt.Fprintf(os.Stderr, "W7 go: %d parked; VmRSS %d -> %d; wake-all %v\n", n, before, after, wake)
	return float64(after-before) / float64(n)
}

// W8 timers: N goroutines sleep i mod 1000 ms; wall seconds.
func w8Timers(scale float64) float64 {
	n := scaled(1_000_000, scale)
	var wg sync.WaitGroup
	var woke atomic.Int64
	t0 := time.Now()
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func(ms int) {
			time.Sleep(time.Duration(ms) * time.Millisecond)
			woke.Add(1)
			wg.Done()
		}(i % 1000)
	}
	wg.Wait()
	d := time.Since(t0)
	check(woke.Load() == int64(n), "W8: %d woke, want %d", woke.Load(), n)
	return d.Seconds()
}

// W9 whispers: a chain of N goroutines over unbuffered channels.
func w9Whispers(scale float64) float64 {
	n := scaled(100_000, scale)
	t0 := time.Now()
	leftmost := make(chan int)
	left := leftmost
	for i := 0; i < n; i++ {
		right := make(chan int)
		go func(l, r chan int) { l <- 1 + <-r }(left, right)
		left = right
	}
	left <- 1
	got := <-leftmost
	d := time.Since(t0)
	check(got == n+1, "W9: got %d, want %d", got, n+1)
	return float64(d.Nanoseconds()) / 1e6
}

// W10 tcp-echo: C = 100 clients x R round trips of 64 bytes on loopback
// (R = 10,000 x scale; C is not scaled). The server echoes with io.Copy.
func w10TCPEcho(scale float64) float64 {
	const clients, size = 100, 64
	rounds := scaled(10_000, scale)
	limit := max(time.Minute, time.Duration(clients*rounds)*100*time.Microsecond)
	watchdog := time.AfterFunc(limit, func() { check(false, "W10: not done after %v", limit) })
	defer watchdog.Stop()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err == nil, "W10: listen: %v", err)
	var echoed atomic.Int64
	var served sync.WaitGroup
	served.Add(clients)
	go func() {
		for i := 0; i < clients; i++ {
			conn, err := ln.Accept()
			check(err == nil, "W10: accept: %v", err)
			go func() {
				defer served.Done()
				n, _ := io.Copy(conn, conn)
				echoed.Add(n)
				conn.Close()
			}()
		}
	}()

	var checked atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	wg.Add(clients)
	for c := 0; c < clients; c++ {
		go func(c int) {
			defer wg.Done()
			conn, err := net.Dial("tcp", ln.Addr().String())
			check(err == nil, "W10: dial: %v", err)
			defer conn.Close()
			var msg, reply [size]byte
			for k := 0; k < rounds; k++ {
				binary.LittleEndian.PutUint32(msg[0:], uint32(c))
				binary.LittleEndian.PutUint32(msg[4:], uint32(k))
				for j := 8; j < size; j++ {
					msg[j] = byte(c + k + j)
				}
				_, err := conn.Write(msg[:])
				check(err == nil, "W10: write: %v", err)
				_, err = io.ReadFull(conn, reply[:])
				check(err == nil && bytes.Equal(reply[:], msg[:]), "W10: client %d round %d: bad echo (%v)", c, k, err)
			}
			checked.Add(int64(rounds * size))
		}(c)
	}
	wg.Wait()
	d := time.Since(t0)
	served.Wait()
	ln.Close()
	want := int64(clients * rounds * size)
	check(checked.Load() == want && echoed.Load() == want, "W10: %d checked, %d echoed, want %d", checked.Load(), echoed.Load(), want)
	return perOp(d, clients*rounds)
}
