# Homebrew formula for Juke, built from the release's source tarball. Until Juke has a tap of
# its own, install it through a local one (README, "With Homebrew"). After tagging a release,
# `packaging/homebrew/bump.sh VERSION` points url and sha256 at it.
class Juke < Formula
  desc "Self-hosted music streaming server with a built-in web player"
  homepage "https://github.com/juke-music/juke"
  url "https://github.com/juke-music/juke/archive/refs/tags/v0.1.0.tar.gz"
  # SHA-256 of the tarball above, written by packaging/homebrew/bump.sh. The zeros are a
  # placeholder until the first release is tagged: a download cannot match it.
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  license "AGPL-3.0-or-later"
  head "https://github.com/juke-music/juke.git", branch: "main"

  depends_on "rust" => :build
  # Transcoding only (?format=, ?max_bitrate=); without it the originals still play.
  depends_on "ffmpeg" => :recommended

  def install
    system "cargo", "install", *std_cargo_args

    inreplace "packaging/homebrew/config.toml", "@DATA_DIR@", (var/"lib/juke").to_s
    # etc.install never overwrites a config the user edited: a different template is written
    # beside it as config.toml.default.
    (etc/"juke").install "packaging/homebrew/config.toml"
  end

  def post_install
    # Juke creates its data directory private (0700) when it is missing; do the same here.
    (var/"lib/juke").mkpath
    (var/"lib/juke").chmod 0700
    (var/"log").mkpath
  end

  def caveats
    <<~EOS
      The configuration is #{etc}/juke/config.toml; the database, secrets, uploads and
      covers live in #{var}/lib/juke (kept by `brew uninstall`).
      List your music folders in library.folders there, then:
        brew services restart juke
      Open http://localhost:4533 and create an account: the first one is the admin.
      Logs: #{var}/log/juke.log
    EOS
  end

  service do
    run [opt_bin/"juke", "serve", "--config", etc/"juke/config.toml"]
    keep_alive true
    working_dir var/"lib/juke"
    log_path var/"log/juke.log"
    error_log_path var/"log/juke.log"
    # So that an empty transcoding.ffmpeg_path finds Homebrew's ffmpeg.
    environment_variables PATH: std_service_path_env
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/juke --version")

    port = free_port
    (testpath/"config.toml").write <<~TOML
      data_dir = "#{testpath}/data"

      [server]
      bind = "127.0.0.1:#{port}"

      [library]
      scan_on_start = false
      watch = false
    TOML
    assert_match "127.0.0.1:#{port}", shell_output("#{bin}/juke config --config #{testpath}/config.toml")

    log = testpath/"juke.log"
    pid = spawn bin/"juke", "serve", "--config", testpath/"config.toml", [:out, :err] => log.to_s
    healthy = false
    60.times do
      healthy = quiet_system "curl", "--silent", "--fail", "--output", "/dev/null",
                             "http://127.0.0.1:#{port}/healthz"
      break if healthy

      sleep 1
    end
    assert healthy, "GET /healthz did not answer 200 within a minute:\n#{log.read}"
    assert_match '"status":"ok"', shell_output("curl --silent --fail http://127.0.0.1:#{port}/healthz")
    assert_path_exists testpath/"data/juke.db"
  ensure
    if pid
      Process.kill "TERM", pid
      Process.wait pid
    end
  end
end
