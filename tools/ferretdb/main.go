// Command osr-ferretdb runs the project's embedded database: a private PostgreSQL 15
// cluster and FerretDB 1.24 (PostgreSQL backend) in front of it, as one process tree.
//
// It exists because a plain `go install` of FerretDB's own command panics at start (see
// shared/docs/ferretdb.md); as a dependency of this module the embeddable package works.
// It also owns the PostgreSQL server: it creates the cluster on first use (initdb), starts
// `postgres` as its child (as the `postgres` user when run as root), and stops it when
// FerretDB stops, when standard input closes, or when this process dies (the child gets
// SIGINT, PostgreSQL's fast shutdown, through the parent-death signal).
//
// With --postgresql-url it runs FerretDB alone over a PostgreSQL server run elsewhere.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// pgSettings are passed to every `postgres` start. plan_cache_mode matters most: FerretDB
// runs its queries as prepared statements, and after five executions PostgreSQL would
// switch to a generic plan with the field name as a parameter, which no expression index
// matches (shared/docs/ferretdb.md).
var pgSettings = []string{
	"plan_cache_mode=force_custom_plan",
	"listen_addresses=127.0.0.1",
	"unix_socket_directories=",
	"max_connections=200",
	"lc_messages=C",
	"log_min_messages=warning",
	"logging_collector=off",
}

// ephemeralSettings trade durability for speed: for test runs whose data is thrown away.
var ephemeralSettings = []string{"fsync=off", "synchronous_commit=off", "full_page_writes=off"}

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP host:port FerretDB listens on")
	pgURL := flag.String("postgresql-url", "", "use this PostgreSQL server (postgres://...) instead of a private cluster")
	clusterDir := flag.String("cluster", "", "folder of the private PostgreSQL cluster (created on first use)")
	pgBin := flag.String("pg-bin", "", "folder with PostgreSQL's initdb and postgres")
	pgPort := flag.Int("pg-port", 0, "loopback port of the private PostgreSQL cluster")
	ephemeral := flag.Bool("ephemeral", false, "no fsync: for data that is thrown away (tests)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	watchStdin := flag.Bool("exit-on-stdin-close", false, "stop when standard input closes (the parent process died)")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail(2, "bad --log-level: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
			stop()
		}()
	}

	postgresURL := *pgURL
	var cluster *pgCluster
	if postgresURL == "" {
		if *clusterDir == "" || *pgBin == "" || *pgPort == 0 {
			fail(2, "either --postgresql-url or all of --cluster, --pg-bin and --pg-port are required")
		}
		password := os.Getenv("OSR_PG_PASSWORD")
		if len(password) < 16 {
			fail(2, "OSR_PG_PASSWORD must hold the cluster's password (16 characters or more)")
		}
		var err error
		cluster, err = startCluster(ctx, clusterOptions{
			dir: *clusterDir, bin: *pgBin, port: *pgPort, password: password, ephemeral: *ephemeral,
		})
		if err != nil {
			fail(1, "%v", err)
		}
		postgresURL = (&url.URL{
			Scheme: "postgres",
			User:   url.UserPassword(clusterUser, password),
			Host:   net.JoinHostPort("127.0.0.1", strconv.Itoa(*pgPort)),
			Path:   "/" + clusterDatabase,
		}).String()
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Logger:        logger,
		Handler:       "postgresql",
		PostgreSQLURL: postgresURL,
	})
	if err != nil {
		if cluster != nil {
			cluster.stop()
		}
		fail(1, "%v", err)
	}

	runErr := f.Run(ctx)
	if cluster != nil {
		cluster.stop()
	}
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		fail(1, "%v", runErr)
	}
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "osr-ferretdb: "+format+"\n", args...)
	os.Exit(code)
}

const (
	clusterUser     = "osr"
	clusterDatabase = "ferretdb"
)

type clusterOptions struct {
	dir       string
	bin       string
	port      int
	password  string
	ephemeral bool
}

type pgCluster struct {
	cmd      *exec.Cmd
	exited   chan struct{}
	stopOnce sync.Once
}

// startCluster creates the cluster if needed, starts postgres and waits until it accepts
// connections, then makes sure FerretDB's database exists.
func startCluster(ctx context.Context, o clusterOptions) (*pgCluster, error) {
	abs, err := filepath.Abs(o.dir)
	if err != nil {
		return nil, fmt.Errorf("bad --cluster: %w", err)
	}
	cred, owner, err := runAs()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", abs, err)
	}
	if owner != nil {
		if err := os.Chown(abs, owner.uid, owner.gid); err != nil {
			return nil, fmt.Errorf("cannot give %s to the postgres user: %w", abs, err)
		}
	}
	if err := os.Chmod(abs, 0o700); err != nil {
		return nil, err
	}
	data := filepath.Join(abs, "data")
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := initCluster(abs, data, o, cred, owner); err != nil {
			return nil, err
		}
	}
	// A postmaster.pid left by a killed server makes postgres refuse to start while that
	// process lives; a stale one (process gone) is handled by postgres itself.
	args := []string{"-D", data, "-p", strconv.Itoa(o.port)}
	settings := append([]string{}, pgSettings...)
	if o.ephemeral {
		settings = append(settings, ephemeralSettings...)
	}
	for _, s := range settings {
		args = append(args, "-c", s)
	}
	ready := make(chan struct{})
	c := &pgCluster{exited: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// The parent-death signal is tied to the thread that started the child: keep this
		// goroutine on its thread for the child's whole life.
		runtime.LockOSThread()
		cmd := exec.Command(filepath.Join(o.bin, "postgres"), args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGINT, Credential: cred, Setpgid: true}
		cmd.Env = []string{"LC_ALL=C", "TZ=UTC"}
		cmd.Dir = abs
		stderr, err := cmd.StderrPipe()
		if err != nil {
			started <- err
			return
		}
		if err := cmd.Start(); err != nil {
			started <- fmt.Errorf("cannot start postgres: %w", err)
			return
		}
		c.cmd = cmd
		started <- nil
		go forwardLog(stderr, ready)
		_ = cmd.Wait()
		close(c.exited)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	select {
	case <-ready:
	case <-c.exited:
		return nil, fmt.Errorf("postgres exited at start (see its log lines above)")
	case <-time.After(60 * time.Second):
		c.stop()
		return nil, fmt.Errorf("postgres did not become ready within 60 s")
	case <-ctx.Done():
		c.stop()
		return nil, ctx.Err()
	}
	return c, nil
}

// forwardLog copies postgres's log to our stderr and signals when it accepts connections.
func forwardLog(r io.Reader, ready chan struct{}) {
	scanner := bufio.NewScanner(r)
	once := sync.Once{}
	for scanner.Scan() {
		line := scanner.Text()
		if strings.Contains(line, "database system is ready to accept connections") {
			once.Do(func() { close(ready) })
			continue
		}
		if strings.Contains(line, "LOG:") {
			continue // routine start/stop lines
		}
		fmt.Fprintf(os.Stderr, "postgres: %s\n", line)
	}
}

// stop asks postgres for a fast shutdown and waits; SIGQUIT after 15 s.
func (c *pgCluster) stop() {
	c.stopOnce.Do(func() {
		if c.cmd == nil || c.cmd.Process == nil {
			return
		}
		_ = c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.exited:
		case <-time.After(15 * time.Second):
			_ = c.cmd.Process.Signal(syscall.SIGQUIT)
			<-c.exited
		}
	})
}

type ownerIDs struct{ uid, gid int }

// runAs tells whom PostgreSQL runs as: ourselves, or the `postgres` user when we are root
// (initdb and postgres refuse to run as root).
func runAs() (*syscall.Credential, *ownerIDs, error) {
	if os.Geteuid() != 0 {
		return nil, nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, nil, fmt.Errorf("running as root, PostgreSQL must run as the postgres user, which does not exist (install Debian's postgresql package): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, &ownerIDs{uid, gid}, nil
}

// initCluster runs initdb with the password in a file that exists only meanwhile, then
// starts nothing: FerretDB's database is created at the first start (see ensureDatabase).
func initCluster(root, data string, o clusterOptions, cred *syscall.Credential, owner *ownerIDs) error {
	pwfile := filepath.Join(root, "initdb-password")
	if err := os.WriteFile(pwfile, []byte(o.password+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(pwfile)
	if owner != nil {
		if err := os.Chown(pwfile, owner.uid, owner.gid); err != nil {
			return err
		}
	}
	_ = os.RemoveAll(data) // a half-made cluster from an interrupted initdb
	cmd := exec.Command(filepath.Join(o.bin, "initdb"),
		"-D", data, "-U", clusterUser, "--pwfile", pwfile,
		"--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
		"-E", "UTF8", "--locale=C", "--no-instructions")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Env = []string{"LC_ALL=C", "TZ=UTC"}
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb failed: %v\n%s", err, out)
	}
	// FerretDB's database, made once in single-user mode so no server has to run yet.
	single := exec.Command(filepath.Join(o.bin, "postgres"), "--single", "-D", data, "postgres")
	single.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	single.Env = []string{"LC_ALL=C", "TZ=UTC"}
	single.Dir = root
	single.Stdin = strings.NewReader(fmt.Sprintf("CREATE DATABASE %s OWNER %s ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;\n", clusterDatabase, clusterUser))
	if out, err := single.CombinedOutput(); err != nil {
		return fmt.Errorf("creating FerretDB's database failed: %v\n%s", err, out)
	}
	return nil
}
