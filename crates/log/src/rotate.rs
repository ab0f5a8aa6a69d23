//! Log files rotated by size or by time (Python's `RotatingFileHandler`
//! and `TimedRotatingFileHandler`).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::LogError;
use crate::format::civil;

/// The unit of time-based rotation (`--log_rotate_when`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[doc(alias = "log_rotate_when")]
pub enum RotateWhen {
    /// Every `interval` seconds (`S`).
    Seconds,
    /// Every `interval` minutes (`M`).
    Minutes,
    /// Every `interval` hours (`H`).
    Hours,
    /// Every `interval` days (`D`).
    Days,
    /// At midnight (`midnight`, Tornado's default).
    Midnight,
    /// At the midnight that starts the given weekday, Monday = 0 (`W0`–`W6`).
    Weekday(u8),
}

impl RotateWhen {
    /// Parses Python's `when` names, in any case.
    pub fn parse(s: &str) -> Result<Self, LogError> {
        let upper = s.to_ascii_uppercase();
        Ok(match upper.as_str() {
            "S" => Self::Seconds,
            "M" => Self::Minutes,
            "H" => Self::Hours,
            "D" => Self::Days,
            "MIDNIGHT" => Self::Midnight,
            w if w.len() == 2 && w.starts_with('W') && (b'0'..=b'6').contains(&w.as_bytes()[1]) => {
                Self::Weekday(w.as_bytes()[1] - b'0')
            }
            _ => return Err(LogError::BadRotateWhen(s.to_owned())),
        })
    }

    fn unit_secs(self) -> i64 {
        match self {
            Self::Seconds => 1,
            Self::Minutes => 60,
            Self::Hours => 3600,
            Self::Days | Self::Midnight => 86_400,
            Self::Weekday(_) => 7 * 86_400,
        }
    }

    /// The suffix of rotated files: the start of the period, as
    /// `%Y-%m-%d_%H-%M-%S`, cut to the unit.
    fn suffix(self, secs: i64) -> String {
        let c = civil(secs);
        let date = format!("{:04}-{:02}-{:02}", c.year, c.month, c.day);
        match self {
            Self::Seconds => format!("{date}_{:02}-{:02}-{:02}", c.hour, c.minute, c.second),
            Self::Minutes => format!("{date}_{:02}-{:02}", c.hour, c.minute),
            Self::Hours => format!("{date}_{:02}", c.hour),
            Self::Days | Self::Midnight | Self::Weekday(_) => date,
        }
    }

    /// True when `suffix` has this unit's shape.
    fn matches_suffix(self, suffix: &str) -> bool {
        let shape = match self {
            Self::Seconds => "0000-00-00_00-00-00",
            Self::Minutes => "0000-00-00_00-00",
            Self::Hours => "0000-00-00_00",
            _ => "0000-00-00",
        };
        suffix.len() == shape.len()
            && suffix.bytes().zip(shape.bytes()).all(|(c, s)| {
                if s == b'0' {
                    c.is_ascii_digit()
                } else {
                    c == s
                }
            })
    }
}

/// When a log file is rotated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[doc(alias = "log_rotate_mode")]
pub enum Rotation {
    /// Never.
    None,
    /// When the next line would make the file reach `max_bytes`
    /// (`--log_rotate_mode=size`): `file` becomes `file.1`, `file.1`
    /// becomes `file.2`, … up to `backups`. With `max_bytes` or `backups`
    /// zero the file is never rotated, as in Python.
    Size {
        /// `--log_file_max_size`, Tornado's default 100,000,000.
        max_bytes: u64,
        /// `--log_file_num_backups`, Tornado's default 10.
        backups: u32,
    },
    /// At period boundaries (`--log_rotate_mode=time`): the file is renamed
    /// to `file.<period start>` and at most `backups` such files are kept
    /// (all of them when `backups` is zero). Times are UTC.
    Time {
        /// `--log_rotate_when`.
        when: RotateWhen,
        /// `--log_rotate_interval`, at least 1; ignored for midnight and
        /// weekday rotation, as in Python.
        interval: u32,
        /// `--log_file_num_backups`.
        backups: u32,
    },
}

/// An append-only log file that rotates itself.
///
/// "Now" is passed to [`RotatingFile::write_line`], so rotation can be
/// tested without waiting.
#[derive(Debug)]
#[doc(alias = "RotatingFileHandler")]
#[doc(alias = "TimedRotatingFileHandler")]
pub struct RotatingFile {
    path: PathBuf,
    file: File,
    size: u64,
    rotation: Rotation,
    /// Time-based rotation: the next rollover, in Unix seconds.
    rollover_at: i64,
}

fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> LogError + '_ {
    move |source| LogError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl RotatingFile {
    /// Opens (or creates) `path` for appending. `now` starts the first
    /// period of time-based rotation (the file's modification time is used
    /// instead when the file exists, as in Python).
    pub fn open(
        path: impl Into<PathBuf>,
        rotation: Rotation,
        now: SystemTime,
    ) -> Result<Self, LogError> {
        let path = path.into();
        if let Rotation::Time { interval: 0, .. } = rotation {
            return Err(LogError::BadRotateWhen("interval 0".to_owned()));
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io_error(&path))?;
        let meta = file.metadata().map_err(io_error(&path))?;
        let start = meta
            .modified()
            .ok()
            .filter(|_| meta.len() > 0)
            .unwrap_or(now);
        let mut f = Self {
            path,
            size: meta.len(),
            file,
            rotation,
            rollover_at: 0,
        };
        f.rollover_at = f.next_rollover(unix_secs(start));
        Ok(f)
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn next_rollover(&self, now: i64) -> i64 {
        let Rotation::Time { when, interval, .. } = self.rotation else {
            return i64::MAX;
        };
        match when {
            RotateWhen::Midnight | RotateWhen::Weekday(_) => {
                let next_midnight = (now.div_euclid(86_400) + 1) * 86_400;
                match when {
                    RotateWhen::Weekday(target) => {
                        let day = civil(now).weekday;
                        let target = u32::from(target);
                        let wait = if day == target {
                            0
                        } else if day < target {
                            target - day
                        } else {
                            6 - day + target + 1
                        };
                        next_midnight + i64::from(wait) * 86_400
                    }
                    _ => next_midnight,
                }
            }
            _ => now.saturating_add(when.unit_secs() * i64::from(interval)),
        }
    }

    /// Appends `line` and a newline, rotating first when due.
    pub fn write_line(&mut self, line: &str, now: SystemTime) -> Result<(), LogError> {
        let needed = line.len() as u64 + 1;
        match self.rotation {
            Rotation::Size { max_bytes, backups }
                if max_bytes > 0 && backups > 0 && self.size + needed >= max_bytes =>
            {
                self.rotate_by_size(backups)?;
            }
            Rotation::Time {
                when,
                interval,
                backups,
            } => {
                let now = unix_secs(now);
                if now >= self.rollover_at {
                    let period = when.unit_secs() * i64::from(interval.max(1));
                    self.rotate_by_time(when, self.rollover_at - period, backups)?;
                    let mut next = self.next_rollover(now);
                    while next <= now {
                        next += period;
                    }
                    self.rollover_at = next;
                }
            }
            _ => {}
        }
        let mut buf = Vec::with_capacity(line.len() + 1);
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        self.file.write_all(&buf).map_err(io_error(&self.path))?;
        self.size += needed;
        Ok(())
    }

    /// Flushes the file.
    pub fn flush(&mut self) -> Result<(), LogError> {
        self.file.flush().map_err(io_error(&self.path))
    }

    fn numbered(&self, n: u32) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    fn reopen(&mut self) -> Result<(), LogError> {
        self.file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(io_error(&self.path))?;
        self.size = self.file.metadata().map_err(io_error(&self.path))?.len();
        Ok(())
    }

    fn rotate_by_size(&mut self, backups: u32) -> Result<(), LogError> {
        for i in (1..backups).rev() {
            let (from, to) = (self.numbered(i), self.numbered(i + 1));
            if from.exists() {
                if to.exists() {
                    fs::remove_file(&to).map_err(io_error(&to))?;
                }
                fs::rename(&from, &to).map_err(io_error(&from))?;
            }
        }
        let first = self.numbered(1);
        if first.exists() {
            fs::remove_file(&first).map_err(io_error(&first))?;
        }
        if self.path.exists() {
            fs::rename(&self.path, &first).map_err(io_error(&self.path))?;
        }
        self.reopen()
    }

    fn rotate_by_time(
        &mut self,
        when: RotateWhen,
        period_start: i64,
        backups: u32,
    ) -> Result<(), LogError> {
        let mut target = self.path.as_os_str().to_owned();
        target.push(format!(".{}", when.suffix(period_start)));
        let target = PathBuf::from(target);
        if target.exists() {
            fs::remove_file(&target).map_err(io_error(&target))?;
        }
        if self.path.exists() {
            fs::rename(&self.path, &target).map_err(io_error(&self.path))?;
        }
        if backups > 0 {
            for old in self.old_files(when)?.iter().rev().skip(backups as usize) {
                fs::remove_file(old).map_err(io_error(old))?;
            }
        }
        self.reopen()
    }

    /// Rotated files of this log, oldest first.
    fn old_files(&self, when: RotateWhen) -> Result<Vec<PathBuf>, LogError> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let Some(base) = self.path.file_name().and_then(|n| n.to_str()) else {
            return Ok(Vec::new());
        };
        let prefix = format!("{base}.");
        let mut found = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_error(&dir))? {
            let entry = entry.map_err(io_error(&dir))?;
            if let Some(name) = entry.file_name().to_str() {
                if let Some(suffix) = name.strip_prefix(&prefix) {
                    if when.matches_suffix(suffix) {
                        found.push(entry.path());
                    }
                }
            }
        }
        found.sort();
        Ok(found)
    }
}
