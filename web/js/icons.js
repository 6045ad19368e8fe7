// The player's icons as inline SVG: no icon font to fetch, and no reliance on the emoji a
// device may not have. Drawn on a 24-unit grid; `fill` shapes and `stroke` lines.

import { h } from 'preact';

const fill = (d) => ({ d, fill: 'currentColor' });
const line = (d) => ({ d, fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' });

const shapes = {
  play: [fill('M8 5.5v13a1 1 0 0 0 1.5.9l10.2-6.5a1 1 0 0 0 0-1.8L9.5 4.6A1 1 0 0 0 8 5.5z')],
  pause: [fill('M6.5 5h3.5v14H6.5zM14 5h3.5v14H14z')],
  next: [fill('M5 6.2v11.6a.8.8 0 0 0 1.2.7l9-5.8a.8.8 0 0 0 0-1.4l-9-5.8a.8.8 0 0 0-1.2.7zM16.5 5.5h2.5v13h-2.5z')],
  previous: [fill('M19 6.2v11.6a.8.8 0 0 1-1.2.7l-9-5.8a.8.8 0 0 1 0-1.4l9-5.8a.8.8 0 0 1 1.2.7zM5 5.5h2.5v13H5z')],
  shuffle: [line('M3 7h3.5c4.5 0 6.5 10 11 10H21M3 17h3.5c1.7 0 3-1.4 4.1-3.3M13.4 10.3C14.5 8.4 15.8 7 17.5 7H21M18 4l3 3-3 3M18 14l3 3-3 3')],
  repeat: [line('M4 11V9.5A2.5 2.5 0 0 1 6.5 7H20M17 4l3 3-3 3M20 13v1.5a2.5 2.5 0 0 1-2.5 2.5H4M7 20l-3-3 3-3')],
  repeatOne: [line('M4 11V9.5A2.5 2.5 0 0 1 6.5 7H20M17 4l3 3-3 3M20 13v1.5a2.5 2.5 0 0 1-2.5 2.5H4M7 20l-3-3 3-3'), fill('M11 10.2l1.8-1.2h1.2v6h-1.6v-4.2l-1.4.9z')],
  volume: [fill('M3.5 9.5h3.8L12 5.6v12.8l-4.7-3.9H3.5z'), line('M15.5 9a4.2 4.2 0 0 1 0 6M18 6.5a8 8 0 0 1 0 11')],
  muted: [fill('M3.5 9.5h3.8L12 5.6v12.8l-4.7-3.9H3.5z'), line('M16 9.5l5 5M21 9.5l-5 5')],
  queue: [line('M4 6h16M4 11h16M4 16h9'), fill('M16 14v6l5-3z')],
  heart: [line('M12 20s-7.5-4.6-7.5-10.2A4.3 4.3 0 0 1 12 7a4.3 4.3 0 0 1 7.5 2.8C19.5 15.4 12 20 12 20z')],
  heartFilled: [{ ...line('M12 20s-7.5-4.6-7.5-10.2A4.3 4.3 0 0 1 12 7a4.3 4.3 0 0 1 7.5 2.8C19.5 15.4 12 20 12 20z'), fill: 'currentColor' }],
  more: [fill('M5 10.2a1.8 1.8 0 1 1 0 3.6 1.8 1.8 0 0 1 0-3.6zM12 10.2a1.8 1.8 0 1 1 0 3.6 1.8 1.8 0 0 1 0-3.6zM19 10.2a1.8 1.8 0 1 1 0 3.6 1.8 1.8 0 0 1 0-3.6z')],
  close: [line('M6 6l12 12M18 6L6 18')],
  clock: [line('M12 3.5a8.5 8.5 0 1 1 0 17 8.5 8.5 0 0 1 0-17zM12 7.5V12l3 2')],
  home: [line('M4 10.5L12 4l8 6.5V20h-5.5v-5.5h-5V20H4z')],
  search: [line('M10.5 4a6.5 6.5 0 1 1 0 13 6.5 6.5 0 0 1 0-13zM15.5 15.5L20 20')],
  library: [line('M5 4v16M9.5 4v16M14 4.5l5 15')],
  playlists: [line('M4 6h11M4 11h11M4 16h6'), fill('M17.5 9v7.2a2.3 2.3 0 1 1-1.5-2.1V7.5h4.5V9z')],
  history: [line('M4.5 12a7.5 7.5 0 1 0 2.2-5.3M4 4v3.5h3.5M12 8v4.5l3 1.8')],
  upload: [line('M12 16V4M7 9l5-5 5 5M4.5 15v3.5A1.5 1.5 0 0 0 6 20h12a1.5 1.5 0 0 0 1.5-1.5V15')],
  admin: [line('M12 9a3 3 0 1 1 0 6 3 3 0 0 1 0-6zM12 3l1.8 2.4 3-.4.4 3L19.6 10 18.4 12.7l1.2 2.7-2.4 1.7-.4 3-3-.4L12 21l-1.8-2.4-3 .4-.4-3-2.4-1.7 1.2-2.7L4.4 10l2.4-1.9.4-3 3 .4z')],
  grip: [fill('M9 5.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zM15 5.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zM9 10.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zM15 10.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zM9 15.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zM15 15.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3z')],
  radio: [line('M4 9.5h16v10H4zM7 9.5l10-5'), fill('M15 12.3a2.2 2.2 0 1 1 0 4.4 2.2 2.2 0 0 1 0-4.4zM6.5 12.5h4.5v1.5H6.5zM6.5 15.5h4.5V17H6.5z')],
  share: [line('M6 9.5a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5zM18 3.5a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5zM18 15.5a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5zM8.2 10.8l7.6-4.1M8.2 13.2l7.6 4.1')],
  up: [line('M12 19V5M6 11l6-6 6 6')],
  down: [line('M12 5v14M6 13l6 6 6-6')],
};

/** <Icon name="play" size={20} />: decorative; the control around it carries the label. */
export function Icon({ name, size = 20 }) {
  const paths = shapes[name] || [];
  return h('svg', { viewBox: '0 0 24 24', width: size, height: size, 'aria-hidden': 'true', focusable: 'false', class: 'icon' },
    paths.map((attrs, i) => h('path', { key: i, ...attrs })));
}
