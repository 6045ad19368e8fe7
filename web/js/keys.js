// Keyboard shortcuts: space plays/pauses, ←/→ seek 10 s, shift+←/→ previous/next,
// shift+↑/↓ volume (plain arrows still scroll), m mutes, q shows the queue, / jumps to search. Never while typing.

import { player } from './player.js';

const typing = (el) => el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));

export function shortcuts({ toggleQueue }) {
  const onKey = (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    // Buttons and links answer space and enter themselves.
    const onControl = e.target?.closest?.('button, a, [role=slider], [draggable=true]');
    switch (e.key) {
      case ' ':
        if (onControl) return;
        player.toggle();
        break;
      case 'ArrowRight':
        if (e.target?.closest?.('[role=slider]')) return;
        if (e.shiftKey) player.next();
        else player.seek(player.time + 10);
        break;
      case 'ArrowLeft':
        if (e.target?.closest?.('[role=slider]')) return;
        if (e.shiftKey) player.previous();
        else player.seek(player.time - 10);
        break;
      case 'ArrowUp':
        if (!e.shiftKey || onControl) return;
        player.setVolume(player.volume + 0.05);
        break;
      case 'ArrowDown':
        if (!e.shiftKey || onControl) return;
        player.setVolume(player.volume - 0.05);
        break;
      case 'm':
        player.toggleMute();
        break;
      case 'q':
        toggleQueue();
        break;
      case '/': {
        const box = document.getElementById('search-input');
        if (!box) return;
        box.focus();
        box.select();
        break;
      }
      default:
        return;
    }
    e.preventDefault();
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
