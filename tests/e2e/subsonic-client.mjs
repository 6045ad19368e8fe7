// A whole Subsonic session against a running Juke with the npm `subsonic-api` package (a
// second client library beside py-sonic): token sign-in with GETs, then an API key with form
// POSTs (OpenSubsonic formPost). It browses to the one song "Tune" by "Band" on "Album",
// checks the song entry's file fields, stars and unstars the album, works the play queue (and
// its index-based pair), bookmarks, top and similar songs, artist and album info, lyrics,
// radio, users, tokenInfo, reportPlayback, the refused jukebox and a share's whole life, and
// streams a range by form POST. Run by tests/api/subsonic.rs with JUKE_URL, JUKE_USER, JUKE_APP_PASSWORD,
// EXPECT_BYTES (the file's first 100 bytes, hex) and EXPECT_SIZE. Exits non-zero on the first
// thing that is not right.

import { SubsonicAPI } from 'subsonic-api';

const { JUKE_URL: url, JUKE_USER: username, JUKE_APP_PASSWORD: secret } = process.env;
const expected = Buffer.from(process.env.EXPECT_BYTES, 'hex');
const size = Number(process.env.EXPECT_SIZE);

function check(what, condition, detail = '') {
  if (!condition) {
    console.error(`FAILED: ${what} ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
    process.exit(1);
  }
  console.log(`ok - ${what}`);
}

const api = new SubsonicAPI({ url, auth: { username, password: secret } });
check('ping with token auth', (await api.ping()).status === 'ok');

const extensions = (await api.getOpenSubsonicExtensions()).openSubsonicExtensions.map((e) => e.name);
for (const name of ['formPost', 'apiKeyAuthentication', 'songLyrics', 'transcodeOffset']) {
  check(`announces ${name}`, extensions.includes(name), extensions);
}

const list = await api.getAlbumList2({ type: 'alphabeticalByName', size: 10 });
const albumEntry = list.albumList2.album.find((a) => a.name === 'Album');
check('getAlbumList2 lists the album', albumEntry, list);
const { album } = await api.getAlbum({ id: albumEntry.id });
const song = album.song[0];
check('getAlbum has the song', song.title === 'Tune', album);
check('song suffix', song.suffix === 'flac', song);
check('song contentType', song.contentType === 'audio/flac', song);
check('song size', song.size === size, song);
check('song path is relative', song.path === 'Band/Album/Tune.flac', song);
check('song bitRate', song.bitRate > 0, song);
check('song samplingRate', song.samplingRate === 44100, song);
check('song channelCount', song.channelCount === 2, song);
check('song bitDepth', song.bitDepth === 16, song);
check('song mediaType', song.mediaType === 'song', song);
check('song artists', song.artists?.[0]?.name === 'Band', song);
check('song replayGain', song.replayGain?.trackGain === -6.4, song);

// Albums are likeable: star with albumId, in a request that also names an unknown song.
await api.star({ albumId: album.id, id: 'tr-00000000-0000-7000-8000-000000000000' });
let starred = (await api.getStarred2()).starred2;
check('star albumId → getStarred2 album', starred.album?.[0]?.id === album.id, starred);
check('the starred album says when', starred.album[0].starred instanceof Date, starred);
const liked = await api.getAlbumList2({ type: 'starred' });
check('getAlbumList2 starred', liked.albumList2.album?.[0]?.id === album.id, liked);
check('getAlbum says starred', (await api.getAlbum({ id: album.id })).album.starred instanceof Date);
await api.unstar({ albumId: album.id });
starred = (await api.getStarred2()).starred2;
check('unstar albumId', !starred.album?.length, starred);
const nothing = await api.star({ albumId: 'al-00000000-0000-7000-8000-000000000000' });
check('star of nothing at all is not found', nothing.status === 'failed' && nothing.error.code === 70, nothing);

// Form POSTs with an API key; the stream's range is honoured as with GET.
const ranged = (input, init = {}) => fetch(input, { ...init, headers: { ...init.headers, Range: 'bytes=0-99' } });
const posting = new SubsonicAPI({ url, auth: { apiKey: secret }, post: true, fetch: ranged });
const response = await posting.stream({ id: song.id });
const body = Buffer.from(await response.arrayBuffer());
check('stream by form POST with a range: 206', response.status === 206, String(response.status));
check('stream by form POST with a range: the right bytes', body.equals(expected), body.subarray(0, 16).toString('hex'));
const posted = await new SubsonicAPI({ url, auth: { apiKey: secret }, post: true }).getSong({ id: song.id });
check('getSong by form POST', posted.song.path === song.path, posted);

// The play queue across devices: saved by this client, read back, and the index-based pair.
await api.savePlayQueue({ id: [song.id], current: song.id, position: 61000 });
const queue = (await api.getPlayQueue()).playQueue;
check('savePlayQueue → getPlayQueue', queue.entry?.[0]?.id === song.id && queue.current === song.id && queue.position === 61000, queue);
check('changedBy names this client', queue.changedBy === 'subsonic-api', queue);
const saved = await api.customJSON('savePlayQueueByIndex', { id: [song.id], currentIndex: 0, position: 5 });
check('savePlayQueueByIndex', saved.status === 'ok', saved);
const byIndex = (await api.customJSON('getPlayQueueByIndex', {})).playQueueByIndex;
check('getPlayQueueByIndex', byIndex.currentIndex === 0 && byIndex.position === 5 && byIndex.entry?.[0]?.id === song.id, byIndex);

// Bookmarks.
await api.createBookmark({ id: song.id, position: 1234, comment: 'here' });
const marks = (await api.getBookmarks()).bookmarks.bookmark;
check('createBookmark → getBookmarks', marks?.[0]?.position === 1234 && marks[0].entry?.id === song.id, marks);
await api.deleteBookmark({ id: song.id });
check('deleteBookmark', !(await api.getBookmarks()).bookmarks.bookmark?.length);

// Juke's own discovery: top and similar songs, artist and album info.
await api.scrobble({ id: song.id, submission: true });
const top = (await api.getTopSongs({ artist: 'Band' })).topSongs.song;
check('getTopSongs by play count', top?.[0]?.id === song.id && top[0].playCount === 1, top);
for (const name of ['getSimilarSongs', 'getSimilarSongs2']) {
  const answer = await api[name]({ id: album.id, count: 5 });
  check(`${name} answers`, answer.status === 'ok', answer);
}
const artistInfo = (await api.getArtistInfo2({ id: album.artistId })).artistInfo2;
check('getArtistInfo2', artistInfo !== undefined, artistInfo);
check('getArtistInfo', (await api.getArtistInfo({ id: album.artistId })).artistInfo !== undefined);
check('getAlbumInfo2', (await api.getAlbumInfo2({ id: album.id })).albumInfo !== undefined);
const lyrics = (await api.getLyrics({ artist: 'Band', title: 'Tune' })).lyrics;
check('getLyrics always has a value', lyrics.value === '', lyrics);
const structured = (await api.getLyricsBySongId({ id: song.id })).lyricsList;
check('getLyricsBySongId answers a list', Array.isArray(structured.structuredLyrics ?? []), structured);

// The rest: radio, users, the key's owner, playback reports, the jukebox.
check('getInternetRadioStations', (await api.getInternetRadioStations()).status === 'ok');
const users = (await api.getUsers()).users.user;
check('getUsers (the first account is the admin)', users.map((u) => u.username).includes(username) && users[0].adminRole, users);
const keyOwner = await new SubsonicAPI({ url, auth: { apiKey: secret } }).customJSON('tokenInfo', {});
check('tokenInfo names the key\'s owner', keyOwner.tokenInfo?.username === username, keyOwner);
await api.reportPlayback({ mediaId: song.id, mediaType: 'song', positionMs: 2000, state: 'playing' });
const nowPlaying = (await api.getNowPlaying()).nowPlaying.entry;
check('reportPlayback feeds getNowPlaying', nowPlaying?.[0]?.id === song.id && nowPlaying[0].state === 'playing', nowPlaying);
await api.reportPlayback({ mediaId: song.id, mediaType: 'song', positionMs: 2000, state: 'stopped', ignoreScrobble: true });
const jukebox = await api.jukeboxControl({ action: 'status' });
check('jukeboxControl is refused, documented', jukebox.status === 'failed' && jukebox.error.code === 50, jukebox);

// Shares: a link to the album that plays in a browser without any account.
const week = Date.now() + 7 * 86400000;
const made = await api.createShare({ id: album.id, description: 'For you', expires: week });
const share = made.shares?.share?.[0];
check('createShare answers the share', share?.url?.includes('/share/'), made);
check('the share expires when asked', share.expires instanceof Date && Math.abs(share.expires.getTime() - week) < 1000, share);
check('the share lists the album\'s song', share.entry?.[0]?.id === song.id, share);
const token = share.url.split('/share/')[1];
const page = await fetch(`${url}/api/v1/public/shares/${token}`);
check('the link\'s page opens without an account', page.status === 200, String(page.status));
const audio = await fetch(`${url}/api/v1/public/shares/${token}/tracks/${song.id.replace(/^tr-/, '')}/stream`, { headers: { Range: 'bytes=0-99' } });
check('the link plays the song', audio.status === 206 && Buffer.from(await audio.arrayBuffer()).equals(expected), String(audio.status));
await api.updateShare({ id: share.id, description: 'Changed' });
const shares = (await api.getShares()).shares.share;
check('getShares lists it, changed and visited once', shares.length === 1 && shares[0].description === 'Changed' && shares[0].visitCount === 1, shares);
await api.deleteShare({ id: share.id });
const gone = await fetch(`${url}/api/v1/public/shares/${token}`);
check('a deleted share\'s link stops', gone.status === 404, String(gone.status));

console.log('all subsonic-api steps passed');
